"""PostgreSQL drops the web's connections (a restart, a failover): requests fail cleanly, in the
API's error shape, and the next one succeeds on a fresh connection. Served by gunicorn with
persistent connections, as in production."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tenancy.models import Role
from tenancy.services import token_issue
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = [pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn():
    """One sync gunicorn worker on the test database, keeping its connection between requests."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_CONN_MAX_AGE": "600",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "30"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def drop_other_connections() -> int:
    """End every other session on the test database, as a restart or failover does."""
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [connection.connection.info.backend_pid],
        ).fetchone()[0]


def get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_dropped_database_connection_fails_cleanly_and_the_next_request_succeeds(gunicorn):
    tenant = TenantFactory()
    ProjectFactory(tenant=tenant, code="KEEP-1")
    _, token = token_issue(user=member(tenant, Role.CUSTOMER_VIEWER), name="resilience")
    connection.ensure_connection()
    url = f"{gunicorn}/api/v1/projects/"

    assert get(url, token)[0] == 200  # the worker now holds a persistent connection
    assert drop_other_connections() >= 1

    # Django checks a persistent connection before each request (CONN_HEALTH_CHECKS), so the
    # request after the drop may already succeed; if it fails, it fails in the API's shape.
    status, body = get(url, token)
    assert status in {200, 500}
    if status == 500:
        assert body == {"error": {"status": 500, "code": "server_error", "message": "Server error.", "fields": []}}
    status, body = get(url, token)
    assert status == 200
    assert [project["code"] for project in body["results"]] == ["KEEP-1"]
