"""Text PostgreSQL cannot store, refused at the door: in the path, the query string and the headers.

PostgreSQL refuses the NUL character in text (psycopg raises ``ValueError``: a 500), and a path
part, a filter, a search term, a session cookie (quoted, it may carry an escaped NUL) or a
request id all reach a query. Bodies are
checked by the API's parsers (``api.parsers``) and Django forms' own ``CharField``.
"""

from django.http import HttpResponseBadRequest, JsonResponse

from core.text import unstorable_reason


class UnstorableTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problems = list(_problems(request))
        if not problems:
            return self.get_response(request)
        fields = [{"field": name, "code": "invalid_text", "message": reason} for name, reason in problems]
        message = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
        if request.path_info.startswith("/api/"):
            body = {"error": {"status": 400, "code": "invalid", "message": message, "fields": fields}}
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _problems(request):
    reason = unstorable_reason(request.path_info)
    if reason:
        yield "path", reason
    for name, values in request.GET.lists():
        reason = unstorable_reason(name) or next(filter(None, map(unstorable_reason, values)), None)
        if reason:
            yield _printable(name), reason
    for name, value in request.COOKIES.items():
        reason = unstorable_reason(name) or unstorable_reason(value)
        if reason:
            yield f"Cookie {_printable(name)}", reason
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str):
            reason = unstorable_reason(value)
            if reason:
                yield "-".join(part.capitalize() for part in key[5:].split("_")), reason


def _printable(name):
    return name.replace("\x00", "\\u0000")
