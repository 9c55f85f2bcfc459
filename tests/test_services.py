"""Redis and a real Celery worker, as the product uses them."""

import gc
import uuid

import pytest
from celery.signals import worker_process_init
from django.core.cache import caches

from config.celery_app import health_check
from tenancy.models import Tenant
from tests.factories import TenantFactory


@pytest.mark.redis
def test_cache_is_redis_and_round_trips():
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    key = f"probe-{uuid.uuid4()}"
    cache.set(key, {"stage": "pilot"}, timeout=30)
    assert cache.get(key) == {"stage": "pilot"}
    cache.delete(key)


@pytest.mark.redis
@pytest.mark.celery_worker
def test_a_real_worker_runs_tasks_from_redis_against_the_database(celery_worker):
    TenantFactory(slug="committed")
    result = health_check.delay()
    assert result.get(timeout=30) == "ok"
    assert Tenant.objects.filter(slug="committed").exists()


def test_a_worker_process_keeps_what_it_loaded_at_start_out_of_full_collections():
    gc.unfreeze()
    try:
        worker_process_init.send(sender=None)  # sent in each prefork child, and by the solo pool
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
