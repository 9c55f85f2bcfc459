"""The default cache's Redis, for the few callers that need one round trip for many operations.

Django's cache API has no pipeline and validates every key of ``get_many``, so these callers talk
to the same Redis directly: through a client of their own, built from the cache's public settings
(``LOCATION`` and the connection options), with one connection pool per process shared by every
thread. Keys are made with the backend's public ``make_key``, and values are decoded as Django's
Redis cache stores them (``RedisSerializer``: integers as they are, anything else pickled), so
both sides read each other's writes.
"""

import functools
from contextlib import contextmanager

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer

#: Connection options of the cache's settings that a Redis client understands as they are.
_CLIENT_OPTIONS = ("socket_connect_timeout", "socket_timeout", "health_check_interval")

_serializer = RedisSerializer()


@functools.cache
def _redis(location: str, options: tuple) -> redis.Redis:
    # redis-py's pool notices a fork and opens new connections in the child, so one per process; a
    # client on it is safe to share between threads, and building one (it copies its table of
    # response callbacks) costs as much as a command, so it is built once too.
    return redis.Redis(connection_pool=redis.ConnectionPool.from_url(location, **dict(options)))


def _client() -> redis.Redis | None:
    """A client on the default cache's Redis, or None when that cache is not Redis (the in-memory default)."""
    if not isinstance(caches["default"], RedisCache):
        return None
    config = settings.CACHES["default"]
    location = config["LOCATION"]
    if not isinstance(location, str):
        location = location[0]
    # The first server is the one Django's Redis cache writes to.
    location = location.split(",")[0].strip()
    options = tuple(sorted((key, value) for key, value in config.get("OPTIONS", {}).items() if key in _CLIENT_OPTIONS))
    return _redis(location, options)


@contextmanager
def redis_pipeline():
    """Yield ``(pipeline, make_key)`` on the default cache's Redis (non-transactional; run it with
    ``pipeline.execute()``), or ``(None, None)`` when the cache is not Redis (the in-memory default)."""
    client = _client()
    if client is None:
        yield None, None
        return
    with client.pipeline(transaction=False) as pipeline:
        yield pipeline, caches["default"].make_key


def redis_get_many(keys: list[str]) -> list | None:
    """The values of ``keys`` in order (None where missing) in one round trip, without the cache
    API's per-key validation; None when the cache is not Redis."""
    client = _client()
    if client is None:
        return None
    make_key = caches["default"].make_key
    return [None if raw is None else _serializer.loads(raw) for raw in client.mget([make_key(key) for key in keys])]
