"""Moments as people read them: in a client's time zone, and saying which zone it is; a client's
own today, the day dates such as evidence expiry and price dates are counted in; and the range of
moments the product takes, those every time zone can show."""

import datetime
import functools
import zoneinfo

from django.utils import timezone

#: The first and last moments the product takes: a day inside Python's calendar (years 1 to 9999)
#: at each end. A time zone's offset is under a day, so every zone can show a moment in between;
#: one nearer an end (9999-12-31T23:00Z in Bangkok, 0001-01-01T00:00+01:00 in UTC) cannot be
#: converted, and would fail each page or query that shows or compares it.
EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC) + datetime.timedelta(days=1)
LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC) - datetime.timedelta(days=1)

#: What a moment outside that range is told.
OUTSIDE_RANGE = (
    "Give a date and time between 0001-01-02T00:00:00Z and 9999-12-30T23:59:59Z (in UTC), "
    "so that every time zone can show it."
)


def showable_everywhere(moment: datetime.datetime) -> bool:
    """Whether every time zone can show ``moment`` (``EARLIEST`` to ``LATEST``). Comparing aware
    moments converts neither, so a moment that cannot be turned into UTC is answered, not raised;
    a naive one is compared as if in UTC."""
    if moment.utcoffset() is None:
        return EARLIEST.replace(tzinfo=None) <= moment <= LATEST.replace(tzinfo=None)
    return EARLIEST <= moment <= LATEST


@functools.lru_cache(maxsize=64)
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def in_zone(moment, time_zone: str) -> str:
    """``moment`` in ``time_zone``, named: "3 December 2026, 14:00 (Europe/London)"; blank for none."""
    if moment is None:
        return ""
    return f"{timezone.localtime(moment, zone(time_zone)):%-d %B %Y, %H:%M} ({time_zone})"


def client_today(time_zone: str, *, at: datetime.datetime | None = None) -> datetime.date:
    """The date where the client is at the moment ``at`` (now by default)."""
    return timezone.localtime(at or timezone.now(), zone(time_zone)).date()
