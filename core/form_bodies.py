"""Form bodies the database cannot store, refused at the door of the pages.

PostgreSQL refuses the NUL character in text and in JSON (psycopg raises ``DataError``: a 500).
Django's form ``CharField`` refuses it, but not every value a page stores passes through one: a
reason or a comment read from the body as it is, a list a field splits from a line of text. So every
page's form body is checked here, before any view reads it: text it cannot store anywhere in it (a
value or a name; ``core.text``) is answered with the product's 400 page naming the field, and nothing
is changed. The API's parsers check its own bodies; ``api.middleware`` checks every path, query
string, cookie and header, and answers a page's with the same 400 page (``refused_page``).
"""

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string

from core.text import unstorable_reason

#: Bodies Django reads into ``request.POST``; any other is the API's, or read by no page.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class UnstorableFormMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and not request.path_info.startswith("/api/")
        ):
            problems = [
                f"{field_label(name)}: {reason} Remove it and send the form again."
                for name, values in request.POST.lists()
                if (reason := unstorable_reason(name) or next(filter(None, map(unstorable_reason, values)), None))
            ]
            if problems:
                return refused_page(problems, request=request)
        return self.get_response(request)


def refused_page(problems: list[str], *, request=None) -> HttpResponseBadRequest:
    """The product's 400 page, listing ``problems``: each part of the request refused, in words.

    Drawn without the request (as Django draws its own 400 page) when the request itself was
    refused before the sessions and the person were read: its address, cookies or headers."""
    return HttpResponseBadRequest(render_to_string("400.html", {"problems": problems}, request=request))


def field_label(name: str) -> str:
    """A form field's name as a person reads it: ``evidence-data_classified-note`` is "Note",
    ``residency_regions`` "Residency regions" (the form's prefix dropped, words for underscores)."""
    words = name.replace("\x00", "").rsplit("-", 1)[-1].replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "A field"
