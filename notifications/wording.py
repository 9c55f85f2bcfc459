"""How notifications read: people by name, stages by label, times in the client's time zone and labelled."""

import datetime
import zoneinfo

from django.utils import timezone


def local_time(moment: datetime.datetime, time_zone: str) -> str:
    """``3 December 2026 14:00 (Europe/London)``: ``moment`` read in ``time_zone``, which is named."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(time_zone))
    return f"{local.day} {local:%B %Y %H:%M} ({time_zone})"


def local_date(day: datetime.date) -> str:
    """``3 December 2026``."""
    return f"{day.day} {day:%B %Y}"


def person(user) -> str:
    """A person as others know them: their full name, else their username; "Stagegate" for the system."""
    if user is None:
        return "Stagegate"
    return user.get_full_name() or user.get_username()


def names(people) -> str:
    """``Priya Shah``, ``Priya Shah and Sam Lee``, ``A, B and C``."""
    names = [person(user) for user in people]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def quoted(text: str) -> str:
    return f"“{text.strip()}”" if text and text.strip() else ""
