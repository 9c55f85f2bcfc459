"""A client's today, and a moment as people read it: in a named time zone."""

import datetime

from core.moments import client_today, in_zone

LATE_EVENING_IN_LONDON = datetime.datetime(2026, 12, 2, 23, 30, tzinfo=datetime.UTC)


def test_a_clients_today_is_the_date_in_its_time_zone():
    assert client_today("Europe/London", at=LATE_EVENING_IN_LONDON) == datetime.date(2026, 12, 2)
    assert client_today("Asia/Tokyo", at=LATE_EVENING_IN_LONDON) == datetime.date(2026, 12, 3)
    assert client_today("America/Los_Angeles", at=LATE_EVENING_IN_LONDON) == datetime.date(2026, 12, 2)


def test_a_moment_is_named_with_its_zone():
    assert in_zone(LATE_EVENING_IN_LONDON, "Asia/Tokyo") == "3 December 2026, 08:30 (Asia/Tokyo)"
    assert in_zone(None, "Asia/Tokyo") == ""
