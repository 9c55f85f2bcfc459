"""core.cache: one round trip on the default cache's Redis, through public interfaces only."""

import threading

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test.utils import override_settings

from core.cache import redis_get_many, redis_pipeline

pytestmark = pytest.mark.redis


class ClientHidingRedisCache(RedisCache):
    """Django's Redis cache with its private client out of reach, as a Django upgrade may leave it
    (the attribute is not part of the cache API): whoever needs Redis must not rely on it."""

    @property
    def _cache(self):
        raise AttributeError("RedisCache._cache is private")


def hidden_client_cache():
    return override_settings(
        CACHES={
            "default": {
                **settings.CACHES["default"],
                "BACKEND": f"{__name__}.ClientHidingRedisCache",
            }
        }
    )


def test_values_written_through_the_cache_api_are_read_in_one_round_trip():
    cache.set("cache-test:number", 41)
    cache.set("cache-test:tuple", ((1, 2), [3, 4]))
    assert redis_get_many(["cache-test:number", "cache-test:missing", "cache-test:tuple"]) == [
        41,
        None,
        ((1, 2), [3, 4]),
    ]


def test_a_pipeline_writes_what_the_cache_api_reads():
    with redis_pipeline() as (pipeline, make_key):
        pipeline.set(make_key("cache-test:counter"), 7)
        pipeline.incr(make_key("cache-test:counter"))
        assert pipeline.execute() == [True, 8]
    assert cache.get("cache-test:counter") == 8


def test_neither_needs_the_backends_private_client():
    with hidden_client_cache():
        assert isinstance(caches["default"], ClientHidingRedisCache)
        with pytest.raises(AttributeError):
            caches["default"]._cache  # noqa: B018 - the premise: private client out of reach
        with redis_pipeline() as (pipeline, make_key):
            pipeline.set(make_key("cache-test:hidden"), 3)
            pipeline.execute()
        assert redis_get_many(["cache-test:hidden"]) == [3]
    assert cache.get("cache-test:hidden") == 3


def test_every_thread_shares_one_connection_pool():
    pools = []

    def use():
        with redis_pipeline() as (pipeline, _):
            pools.append(pipeline.connection_pool)
            pipeline.execute()
        redis_get_many(["cache-test:any"])

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pools) == 4
    assert len({id(pool) for pool in pools}) == 1


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_without_redis_both_say_so():
    with redis_pipeline() as (pipeline, make_key):
        assert (pipeline, make_key) == (None, None)
    assert redis_get_many(["cache-test:number"]) is None
