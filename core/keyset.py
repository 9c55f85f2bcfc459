"""Pages of a long list found by position instead of by counting.

A keyset page asks for the rows *after* (or *before*) one row's place in a stable order, ``(field, id)``:
with an index on those columns the database reads only the page's rows, however deep the page, and a
row added or removed elsewhere does not shift a page already being read. Where the order cannot be
used that way (a sort on a column that may be blank, or on another table's column), pages are
counted off (``OFFSET``) as before. Totals are counted exactly only up to ``COUNT_LIMIT`` rows.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from core.moments import showable_everywhere
from core.validators import MAX_WHOLE, whole_number

#: The number of matching rows counted exactly; beyond it a list says "more than".
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class KeyOrder:
    """The order a keyset page walks: one column of the row itself that is never blank, then the id,
    both ascending or both descending (so one index on ``(field, id)`` serves either way)."""

    field: str
    descending: bool = False

    def order_by(self, *, backwards: bool = False) -> tuple[str, str]:
        sign = "-" if self.descending != backwards else ""
        return f"{sign}{self.field}", f"{sign}pk"

    def beyond(self, value, pk: int, *, backwards: bool = False) -> Q:
        """The rows that come after ``(value, pk)`` in this order (before it, ``backwards``). The
        first condition repeats the second's bound on the column alone, so the index can seek to it."""
        op = "lt" if self.descending != backwards else "gt"
        return Q(**{f"{self.field}__{op}e": value}) & (
            Q(**{f"{self.field}__{op}": value}) | Q(**{self.field: value, f"pk__{op}": pk})
        )

    def key(self, row) -> str:
        value = getattr(row, self.field)
        return f"{row.pk}:{value.isoformat() if hasattr(value, 'isoformat') else value}"

    def parse(self, model, key: str):
        """``(value, pk)`` from a key this order wrote, or ``None`` if the key is not one."""
        pk, _, text = (key or "").partition(":")
        pk = whole_number(pk)
        if pk is None or not _:
            return None
        try:
            value = model._meta.get_field(self.field).to_python(text)
        except ValidationError:
            return None
        if isinstance(value, datetime.datetime) and not _storable(value):
            return None
        return value, pk


def _storable(moment: datetime.datetime) -> bool:
    """Whether a key's moment is one the databases can compare: with its offset (keys are written with
    one), and one every time zone can show (``core.moments``), which a moment typed at an extreme is not."""
    return moment.tzinfo is not None and showable_everywhere(moment)


@dataclass
class ListPage:
    """One page of a list: its rows, its number, how many rows match (exactly up to ``COUNT_LIMIT``),
    and the keys of the pages either side (``None`` where paging by position is not possible)."""

    object_list: list
    number: int
    size: int
    count: int
    has_next: bool
    next_key: str | None = None
    previous_key: str | None = None

    @property
    def count_limit(self) -> int:
        return COUNT_LIMIT

    @property
    def count_is_exact(self) -> bool:
        return self.count <= COUNT_LIMIT

    @property
    def num_pages(self) -> int | None:
        return max(1, -(-self.count // self.size)) if self.count_is_exact else None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


def count_up_to(queryset) -> int:
    """How many rows ``queryset`` holds, counted no further than one past ``COUNT_LIMIT``."""
    return queryset.order_by()[: COUNT_LIMIT + 1].count()


def list_page(
    queryset, *, size: int, order: KeyOrder | None, after: str = "", before: str = "", number: int = 1, count=None
):
    """The page of ``queryset`` after the row keyed ``after`` or before the row keyed ``before`` in
    ``order``; without a key (or without an ``order``, for a sort keysets cannot follow) the
    ``number``-th page counted from the start. Two queries, the count (unless given) and the rows,
    plus the queryset's own prefetches."""
    count = count_up_to(queryset) if count is None else count
    number = max(1, number)
    if (number - 1) * size > MAX_WHOLE:  # beyond any list the database can hold: past the end
        number = 1
    position = order.parse(queryset.model, after or before) if order and (after or before) else None
    if position is None:
        if order is not None:
            queryset = queryset.order_by(*order.order_by())
        start = (number - 1) * size
        rows = list(queryset[start : start + size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        if not rows and number > 1:  # past the end (an old link): the first page
            return list_page(queryset, size=size, order=order, count=count)
    elif after:
        rows = list(queryset.filter(order.beyond(*position)).order_by(*order.order_by())[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        number = max(2, number)
    else:
        rows = list(
            queryset.filter(order.beyond(*position, backwards=True)).order_by(*order.order_by(backwards=True))[
                : size + 1
            ]
        )
        if len(rows) <= size:  # the first page was reached: start from the beginning
            return list_page(queryset, size=size, order=order, count=count)
        rows = rows[:size][::-1]
        has_next = True
        number = max(2, number)
    page = ListPage(rows, number, size, count, has_next)
    if order is not None and rows:
        page.next_key = order.key(rows[-1]) if has_next else None
        page.previous_key = order.key(rows[0]) if number > 2 else None
    return page
