"""Moments as people read them: in a client's time zone, and saying which zone it is."""

import zoneinfo

from django.utils import timezone


def in_zone(moment, time_zone: str) -> str:
    """``moment`` in ``time_zone``, named: "3 December 2026, 14:00 (Europe/London)"; blank for none."""
    if moment is None:
        return ""
    return f"{timezone.localtime(moment, zoneinfo.ZoneInfo(time_zone)):%-d %B %Y, %H:%M} ({time_zone})"
