"""Changes feeds: ``updated_since`` on a list, for a tool that polls for what changed.

A list whose view names its ``changes_field`` (the row's time of last change, or of creation for
rows that never change) answers ``updated_since=<moment>`` with the rows changed from that moment
up to a settled end, ``changes_until``, oldest change first, in pages whose ``next`` cursor keeps
both the position and that end. A tool follows ``next`` to the last page, then polls again later
with ``updated_since`` set to the ``changes_until`` it was given: every change is listed once, in
exactly one window, none is skipped.

Why a window ends before "now": a change becomes visible when its transaction commits, but it
carries the time it was made, which may be earlier. A row changed by a transaction still open when
a tool polls would otherwise appear later with a time the tool has already passed, and be missed.
So a window ends at the start of the oldest transaction still writing (PostgreSQL), and at most
``clock_margin()`` before now, the allowance for the application's and the database's clocks.
A row deleted leaves no row to list: the audit log (``/api/v1/audit-events/``, itself such a
list) records every change, deletions included.
"""

import base64
import binascii
import datetime

import django_filters
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import NotFound

from api.filters import UtcIsoDateTimeFilter
from core.moments import showable_everywhere

SINCE = "updated_since"
BEFORE = "updated_before"


def clock_margin() -> datetime.timedelta:
    """How far the application's clock may be ahead of the database server's, and how long a
    change may take from reading the clock to writing its row (``CHANGES_FEED_CLOCK_MARGIN``)."""
    return datetime.timedelta(seconds=getattr(settings, "CHANGES_FEED_CLOCK_MARGIN", 2))


def settled_until() -> datetime.datetime:
    """The end of a window no transaction still open can add a change to."""
    end = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Sessions holding a transaction id have written; their changes may carry times
            # from their start on. (pg_stat_activity shows the sessions of the same database
            # role, which is how the application's processes connect.)
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity "
                "WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
            (oldest,) = cursor.fetchone()
        if oldest is not None:
            end = min(end, oldest)
    return end - clock_margin()


class ChangesWindow:
    """What a feed request asked for: the rows whose ``field`` lies from ``since`` to ``until``."""

    def __init__(self, field: str, since, until):
        self.field, self.since, self.until = field, since, until


class ChangesFilterSet(django_filters.FilterSet):
    """The base of every list's filters: ``updated_since`` (a changes feed) and ``updated_before``
    on ``changes_field``, the time of a row's last change (of its creation, for rows that never change)."""

    changes_field = "updated_at"

    updated_since = UtcIsoDateTimeFilter(
        method="changed_within",
        label="A changes feed: the rows changed from this moment (ISO 8601 with an offset), oldest change first, "
        "up to the response's changes_until; poll again with updated_since set to it.",
    )
    updated_before = UtcIsoDateTimeFilter(
        method="changed_within",
        label="Only rows changed before this moment (ISO 8601 with an offset); a feed's next link carries its "
        "window's end here.",
    )

    def changed_within(self, queryset, name, value):
        data = self.form.cleaned_data
        since, until = _utc(data.get(SINCE)), _utc(data.get(BEFORE))
        if name == BEFORE and since is not None:
            return queryset  # applied with updated_since, below
        if since is not None:
            until = until or settled_until()
            self.request.changes_window = ChangesWindow(self.changes_field, since, until)
            queryset = queryset.filter(**{f"{self.changes_field}__gte": since})
        return queryset.filter(**{f"{self.changes_field}__lt": until})


def _utc(value):
    return value.astimezone(datetime.UTC) if value is not None else None


def feed_window(request) -> ChangesWindow | None:
    window = getattr(request, "changes_window", None)
    return window if window is not None and window.since is not None else None


def position_encoded(moment: datetime.datetime, pk) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}".encode()).decode()


def position_decoded(text: str, message: str) -> tuple[datetime.datetime, int]:
    """A feed cursor's (moment, id); anything else is a 404 with ``message``, like a bad cursor."""
    try:
        moment, pk = base64.urlsafe_b64decode(text.encode()).decode().split("|")
        moment, pk = datetime.datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeError, binascii.Error):
        raise NotFound(message) from None
    if moment.tzinfo is None or not showable_everywhere(moment) or not 0 < pk < 2**63:
        raise NotFound(message)
    return moment, pk


def after(field: str, position: tuple[datetime.datetime, int]) -> Q:
    moment, pk = position
    return Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk})
