"""Health endpoints for load balancers and orchestrators.

``GET /health/live``: the process answers (no database, no Redis) — restart it if this fails.
``GET /health/ready``: it can do its work — the database and, when configured, Redis answer;
503 with the failing check named otherwise, so traffic goes elsewhere until it recovers.
Neither needs a session or a token, and neither is cached.
"""

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

#: Seconds a readiness check may wait for Redis before it counts as down.
REDIS_TIMEOUT = 2


@never_cache
@require_safe
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    checks = {"database": _database(), "redis": _redis()}
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unavailable"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"  # the embedded mode: tasks in process, cache in memory
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    except redis.RedisError:
        return "unavailable"
    finally:
        client.close()
    return "ok"


urlpatterns = [
    path("live", live, name="health-live"),
    path("ready", ready, name="health-ready"),
]
