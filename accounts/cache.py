"""The default cache's Redis, for the few callers that need one round trip for many operations."""

from contextlib import contextmanager

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


@contextmanager
def redis_pipeline():
    """Yield ``(pipeline, make_key)`` on the default cache's Redis (non-transactional; run it with
    ``pipeline.execute()``), or ``(None, None)`` when the cache is not Redis (the in-memory default)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        yield None, None
        return
    # Django's RedisCacheClient: the write client of its connection pool.
    with backend._cache.get_client(write=True).pipeline(transaction=False) as pipeline:
        yield pipeline, backend.make_key


def redis_get_many(keys: list[str]) -> list | None:
    """The values of ``keys`` in order (None where missing) in one round trip, without the cache
    API's per-key validation; None when the cache is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    made = [backend.make_key(key) for key in keys]
    found = backend._cache.get_many(made)  # made keys, values decoded as the cache API decodes them
    return [found.get(key) for key in made]
