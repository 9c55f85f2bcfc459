"""How notifications read: people by name, stages by label, times in the client's time zone and labelled."""

import datetime

from core.moments import in_zone
from core.wording import listed


def local_time(moment: datetime.datetime, time_zone: str) -> str:
    """``3 December 2026, 14:00 (Europe/London)``: ``moment`` read in ``time_zone``, which is named,
    as every page says a moment (``core.moments.in_zone``)."""
    return in_zone(moment, time_zone)


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
    return listed(person(user) for user in people)


def quoted(text: str) -> str:
    return f"“{text.strip()}”" if text and text.strip() else ""
