"""Text PostgreSQL cannot store, refused at the door: in the path, the query string and the headers.

PostgreSQL refuses the NUL character in text (psycopg raises ``ValueError``: a 500), and a path
part, a filter, a search term, a session cookie (quoted, it may carry an escaped NUL) or a
request id all reach a query. Bodies are checked by the API's parsers (``api.parsers``) and, for
the pages, ``core.form_bodies``.

The API answers in its JSON error shape; a page with the product's 400 page, saying in words which
part of the request was refused and what to do (``core.form_bodies.refused_page``).
"""

from django.http import JsonResponse

from core.form_bodies import refused_page
from core.text import unstorable_reason

_ADDRESS = "Correct the address and try again."


class UnstorableTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problems = list(_problems(request))
        if not problems:
            return self.get_response(request)
        if not request.path_info.startswith("/api/"):
            return refused_page([f"{part}: {reason} {advice}" for _, part, reason, advice in problems])
        fields = [{"field": name, "code": "invalid_text", "message": reason} for name, _, reason, _ in problems]
        message = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
        body = {"error": {"status": 400, "code": "invalid", "message": message, "fields": fields}}
        return JsonResponse(body, status=400)


def _problems(request):
    """Each part refused: as the API names it, as a page names it to a person, why, and what to do."""
    reason = unstorable_reason(request.path_info)
    if reason:
        yield "path", "The page's address", reason, _ADDRESS
    for name, values in request.GET.lists():
        reason = unstorable_reason(name) or next(filter(None, map(unstorable_reason, values)), None)
        if reason:
            yield _printable(name), f"In the page's address, {_shown(name)}", reason, _ADDRESS
    for name, value in request.COOKIES.items():
        reason = unstorable_reason(name) or unstorable_reason(value)
        if reason:
            yield (
                f"Cookie {_printable(name)}",
                f"The cookie “{_shown(name)}” your browser sent",
                reason,
                "Clear this site's cookies in your browser, then try again.",
            )
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str):
            reason = unstorable_reason(value)
            if reason:
                header = "-".join(part.capitalize() for part in key[5:].split("_"))
                yield (
                    header,
                    f"The {header} header your browser sent",
                    reason,
                    "Something between your browser and Stagegate (an extension, a proxy) may add it: "
                    "try again without it.",
                )


def _printable(name):
    return name.replace("\x00", "\\u0000")


def _shown(name):
    """A name as a page can show it: NUL and lone surrogates written as escapes."""
    return _printable(name).encode("utf-8", "backslashreplace").decode("utf-8")
