import os

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tenancy.models import Role
from tenancy.services import token_issue
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

REQUIRE_SERVICES = os.environ.get("STAGEGATE_REQUIRE_SERVICES") == "1"


def _missing_service(item):
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/stagegate)"
    return None


def pytest_runtest_setup(item):
    reason = _missing_service(item)
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (STAGEGATE_REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as migrated, except that the audit log's TRUNCATE guard is switched off:
    the test runner empties every table with one TRUNCATE after each transactional test, which no
    deployment does. tests/audit/test_database_roles.py switches it on to prove it refuses."""
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_no_truncate")


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker thread consuming from Redis, running the product's own task code.

    The worker reads committed rows through its own connection, so tests using it run with
    ``transactional_db``.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery_app import app

    app.control.purge()  # nothing left over from an earlier run
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture
def tenant():
    return TenantFactory(slug="acme", name="Acme", time_zone="Asia/Bangkok")


@pytest.fixture
def people(tenant):
    """One person per role in ``tenant``, a platform admin and an outsider of another tenant."""
    other = TenantFactory(slug="globex")
    return {
        "lead": member(tenant, Role.DELIVERY_LEAD, username="lead"),
        "lead2": member(tenant, Role.DELIVERY_LEAD, username="lead2"),
        "engineer": member(tenant, Role.ENGINEER, username="engineer"),
        "admin": member(tenant, Role.CUSTOMER_ADMIN, username="cadmin"),
        "approver": member(tenant, Role.CUSTOMER_APPROVER, username="approver"),
        "approver2": member(tenant, Role.CUSTOMER_APPROVER, username="approver2"),
        "viewer": member(tenant, Role.CUSTOMER_VIEWER, username="viewer"),
        "platform": UserFactory(username="platform", is_platform_admin=True),
        "outsider": member(other, Role.CUSTOMER_APPROVER, username="outsider"),
    }


@pytest.fixture
def project(tenant, people):
    return ProjectFactory(tenant=tenant, code="ACME-1", delivery_lead=people["lead"])


@pytest.fixture
def api():
    """An API client authenticated as a given person with the given token scopes."""

    def as_user(user, scopes=("read", "write", "approve")):
        _, token = token_issue(user=user, name="test", scopes=scopes)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return as_user
