"""PostgreSQL's timestamps read by psycopg's C loader, as Django's own loader reads them.

Django reads every ``timestamptz`` through a loader of its own (``psycopg_any.BaseTzLoader``): psycopg's
pure-Python loader, then ``replace(tzinfo=<the connection's time zone>)``. Parsing each value in
Python costs about ten times what psycopg's C loader (``psycopg[binary]`` or ``[c]``) takes: a page
of 50 projects reads some 60 of them. When the connection's time zone is UTC (``USE_TZ`` with the
database's ``TIME_ZONE`` unset, as here) and its session says UTC too (Django sets it when it
connects), the C loader answers exactly what Django's does: the same ``datetime``, its ``tzinfo``
the very ``datetime.UTC`` Django would put there (in ISO ``DateStyle``, PostgreSQL's default). On
such a connection the C loader is registered
in place of Django's; anywhere else (another zone, no C implementation), Django's stays.
"""

import datetime
from functools import cache

from django.db.backends.signals import connection_created


def connect():
    connection_created.connect(quicker_timestamps, dispatch_uid="core.postgres.quicker_timestamps")


def quicker_timestamps(sender, connection, **kwargs):
    """On a new PostgreSQL connection whose time zone and session are UTC, read ``timestamptz``
    with psycopg's C loader (``utc_loader()``)."""
    if connection.vendor != "postgresql" or connection.timezone is not datetime.UTC:
        return
    loader = utc_loader()
    info = connection.connection.info
    if loader is None or info.parameter_status("TimeZone") != "UTC":
        return
    if not (info.parameter_status("DateStyle") or "").startswith("ISO"):
        return  # text Django's loader parses otherwise (or refuses): left to it
    connection.connection.adapters.register_loader("timestamptz", loader)


@cache
def utc_loader():
    """A loader of ``timestamptz`` text whose ``load`` is psycopg's C loader's own, with the
    ``timezone`` Django's ``create_cursor`` compares with the connection's (so that it keeps it);
    None without psycopg 3's C implementation."""
    try:
        from psycopg import adapt, adapters, pq  # noqa: PLC0415 - only a PostgreSQL connection needs it
    except ImportError:
        return None
    if pq.__impl__ not in ("c", "binary"):
        return None
    c_loader = adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT)

    class UtcTimestamptzLoader(adapt.Loader):
        timezone = datetime.UTC

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            # psycopg calls ``loader.load`` for each value: the C loader's, made on the same context.
            self.load = c_loader(oid, context).load

        def load(self, data):  # replaced on each instance by the C loader's (above)
            raise NotImplementedError

    return UtcTimestamptzLoader
