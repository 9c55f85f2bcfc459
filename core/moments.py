"""Moments as people read them: in a client's time zone, and saying which zone it is; and a
client's own today, the day dates such as evidence expiry and price dates are counted in."""

import datetime
import functools
import zoneinfo

from django.utils import timezone


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
