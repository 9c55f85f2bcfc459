from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from api.text import unstorable_reason


class StableCursorPagination(CursorPagination):
    """Cursor pages in ``{"results": [...], "next": ..., "previous": ...}``, on a unique, unchanging order.

    A cursor is opaque to clients, but it is only base64: a forged one whose position is not a
    value of the ordering field (``p=abc`` for an id) is answered 404 "Invalid cursor", as any
    other undecodable cursor, instead of failing in the query.
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

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
            field.get_prep_value(field.to_python(position))
        except (ValidationError, ValueError, TypeError, OverflowError):
            return False
        return True
