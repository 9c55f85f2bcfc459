"""Liveness answers without touching anything; readiness names the service that is down."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

#: Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_live_answers_ok_without_a_query_or_a_session(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries.captured_queries) == 0
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_health_endpoints_only_read(client):
    assert client.post("/health/live").status_code == 405
    assert client.post("/health/ready").status_code == 405
    assert client.head("/health/live").status_code == 200


def test_ready_checks_the_database_and_redis(client, settings):
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == ("ok" if settings.REDIS_URL else "not configured")


def test_ready_answers_503_naming_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = UNREACHABLE_REDIS
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}}
