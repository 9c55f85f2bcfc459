"""A request a page does not take (a GET of the address a button posts to: a reload, a bookmark, a
copied link) is answered with the product's 405 page, as 400, 403, 404 and 500 are. Django's own 405
(``require_POST``, a class-based view) has an empty body: a blank page. Every page's, in one place;
the API answers its own in JSON."""

from django.shortcuts import render


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or getattr(response, "streaming", False)
            or response.content
            or request.path_info.startswith("/api/")
        ):
            return response
        allowed = {method.strip() for method in response.get("Allow", "").split(",")}
        page = render(
            request, "405.html", {"form_only": "POST" in allowed and request.method in ("GET", "HEAD")}, status=405
        )
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
