"""The API's router: DRF's ``SimpleRouter``, whose addresses take an object's id as ASCII digits only.

DRF's default pattern takes any text up to the next slash, and the ORM reads it as a number as
``int()`` does: ``/projects/٣/`` (an Arabic-Indic three) or ``/projects/%201/`` named project 3
or 1, so that one object had many addresses, and the schema's integer path parameter was not the
rule the server applied. A viewset looked up by something else (a slug, a username), or with its
own pattern or converter, keeps it.
"""

from rest_framework.routers import SimpleRouter

#: An id in an address: as a regular expression, and as a path converter (``use_regex_path=False``).
ID_PATTERN, ID_CONVERTER = "[0-9]+", "int"


class Router(SimpleRouter):
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        own = hasattr(viewset, "lookup_value_regex" if self._use_regex else "lookup_value_converter")
        if own or getattr(viewset, "lookup_field", "pk") != "pk":
            return super().get_lookup_regex(viewset, lookup_prefix)
        return self._base_pattern.format(
            lookup_prefix=lookup_prefix,
            lookup_url_kwarg=getattr(viewset, "lookup_url_kwarg", None) or "pk",
            lookup_value=ID_PATTERN if self._use_regex else ID_CONVERTER,
        )
