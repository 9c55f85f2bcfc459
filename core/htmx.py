"""Pages that answer htmx with a part of themselves (the project list's results, a form loaded when
it is opened) are told apart from the whole page by a request header, ``HX-Request``, under one
address. A browser keeps one response per address unless told what else it depends on: after a
filtered list pushed its address, the Back button could show the list's results alone, unstyled.
``Vary: HX-Request`` on every page tells it (as htmx's own documentation asks)."""

from django.utils.cache import patch_vary_headers


class HtmxVaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ("HX-Request",))
        return response
