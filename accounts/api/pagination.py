from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    """Cursor pages in ``{"results": [...], "next": ..., "previous": ...}``, on a unique, unchanging order."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
