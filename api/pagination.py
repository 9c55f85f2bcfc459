import datetime

from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework import exceptions
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api import feeds
from core.moments import showable_everywhere
from core.text import unstorable_reason


class StableCursorPagination(CursorPagination):
    """Cursor pages in ``{"results": [...], "next": ..., "previous": ...}``, on a unique, unchanging order.

    A cursor is opaque to clients, but it is only base64: a forged one whose position is not a
    value of the ordering field (``p=abc`` for an id) is answered 404 "Invalid cursor", as any
    other undecodable cursor, instead of failing in the query.
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    #: A changes feed's page (``api.feeds``): its window, and the position after its last row.
    window = None
    feed_next = None

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        self.window = feeds.feed_window(request)
        if self.window is not None:
            return self._feed_page(queryset, request)
        return super().paginate_queryset(queryset, request, view)

    def _feed_page(self, queryset, request):
        """A changes feed's page: oldest change first, after the cursor's (moment, id), whatever
        ``ordering`` says; only forward."""
        field = self.window.field
        self.request, self.base_url = request, request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        queryset = queryset.order_by(field, "pk")
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded:
            queryset = queryset.filter(feeds.after(field, feeds.position_decoded(encoded, self.invalid_cursor_message)))
        rows = list(queryset[: self.page_size + 1])
        page = rows[: self.page_size]
        pk = queryset.model._meta.pk.attname
        self.feed_next = (_value(page[-1], field), _value(page[-1], pk)) if len(rows) > self.page_size else None
        return page

    def get_next_link(self):
        if self.window is None:
            return super().get_next_link()
        if self.feed_next is None:
            return None
        url = replace_query_param(self.base_url, feeds.BEFORE, self.window.until.isoformat())
        return replace_query_param(url, self.cursor_query_param, feeds.position_encoded(*self.feed_next))

    def get_previous_link(self):
        return None if self.window is not None else super().get_previous_link()

    def get_paginated_response(self, data):
        if self.window is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "next": self.get_next_link(),
                "previous": None,
                "changes_until": self.window.until.isoformat().replace("+00:00", "Z"),
                "results": data,
            }
        )

    def get_page_size(self, request):
        """The page size asked for (the default if none, or empty): a whole number from 1 to
        ``max_page_size``, else 400 naming ``page_size``. DRF's own took anything else for the
        default and a size over the maximum for the maximum, without a word."""
        asked = request.query_params.get(self.page_size_query_param, "")
        if asked == "":
            return self.page_size
        if not (asked.isascii() and asked.isdigit()) or not 1 <= int(asked) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(asked)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
                parameter["description"] = (
                    f"Rows a page holds: 1 to {self.max_page_size} ({self.page_size} if not given)."
                )
        return parameters

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["changes_until"] = {
            "type": "string",
            "format": "date-time",
            "description": "Only in answer to `updated_since`: the end of the changes window this page belongs to. "
            "When `next` is null, poll again later with `updated_since` set to this.",
        }
        return paginated

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and (unstorable_reason(position) or not self._position_fits(position)):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def _position_fits(self, position: str) -> bool:
        try:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        except FieldDoesNotExist:
            return True  # an annotation: compared as given
        try:
            value = field.get_prep_value(field.to_python(position))
        except (ValidationError, ValueError, TypeError, OverflowError):
            return False
        # A moment near the calendar's ends parses, but SQLite's adapter turns it into UTC and overflows.
        return not isinstance(value, datetime.datetime) or showable_everywhere(value)


def _value(row, name):
    """A column of a row (a list read with ``.values()``, ``api.rows``) or an attribute of an instance."""
    return row[name] if isinstance(row, dict) else getattr(row, name)
