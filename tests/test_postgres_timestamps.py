"""``core.postgres``: timestamps read by psycopg's C loader are exactly what Django's loader reads."""

import datetime

import pytest
from django.db import connection

from core.postgres import utc_loader

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MOMENTS = [
    datetime.datetime(2026, 12, 2, 10, 7, 18, 123456, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=45))),
    datetime.datetime(2026, 10, 25, 2, 30, 0, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-3, minutes=-30))),
    datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.UTC),
    datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
    datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=datetime.UTC),
    datetime.datetime(2000, 2, 29, 12, 0, 0, 10, tzinfo=datetime.UTC),
]


def _read(register_django_loader: bool) -> list:
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        if register_django_loader:
            register_tzloader(connection.timezone, cursor.cursor)
        cursor.execute("SELECT moment FROM unnest(%s::timestamptz[]) AS moment", [MOMENTS])
        return [row[0] for row in cursor.fetchall()]


def test_the_c_loader_reads_each_timestamp_as_djangos_loader_does():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(connection.connection.adapters.types["timestamptz"].oid, 0)
    if utc_loader() is None:
        pytest.skip("psycopg's C implementation is not installed: Django's loader stays")
    assert loader is utc_loader()
    ours, djangos = _read(False), _read(True)
    assert ours == djangos == MOMENTS
    for mine, theirs in zip(ours, djangos, strict=True):
        assert type(mine) is type(theirs) is datetime.datetime
        assert mine.tzinfo is theirs.tzinfo is datetime.UTC
        assert (mine.isoformat(), repr(mine)) == (theirs.isoformat(), repr(theirs))


def test_a_connection_in_another_zone_keeps_djangos_loader():
    from core.postgres import quicker_timestamps

    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    before = connection.connection.adapters.get_loader(oid, 0)
    sentinel = _sentinel()  # a loader nobody else registers: whatever replaces it, the receiver did
    try:
        connection.timezone = datetime.timezone(datetime.timedelta(hours=7))  # as DATABASES TIME_ZONE would
        connection.connection.adapters.register_loader("timestamptz", sentinel)
        quicker_timestamps(sender=type(connection), connection=connection)
        assert connection.connection.adapters.get_loader(oid, 0) is sentinel
    finally:
        del connection.timezone
        connection.connection.adapters.register_loader("timestamptz", before)


def _sentinel():
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    return type("Sentinel", (BaseTzLoader,), {"timezone": datetime.UTC})
