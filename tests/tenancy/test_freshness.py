"""Cached reads: served again only while nothing they depend on has changed."""

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from projects.services.approvals import approval_decide, approval_request_create
from projects.services.projects import project_update
from tenancy import freshness
from tenancy.models import Role
from tenancy.services import membership_grant, membership_revoke
from tests.factories import ProjectFactory, TenantFactory

pytestmark = pytest.mark.django_db


def counter():
    """A computation that answers how often it has run."""
    runs = []

    def compute():
        runs.append(None)
        return len(runs)

    return compute


def test_a_read_is_computed_once_per_reader_and_parts_until_what_it_shows_changes(people, project):
    compute = counter()
    viewer = people["viewer"]
    assert freshness.cached(viewer, "read", ["a"], compute) == 1
    assert freshness.cached(viewer, "read", ["a"], compute) == 1
    assert freshness.cached(viewer, "read", ["b"], compute) == 2
    assert freshness.cached(viewer, "other-read", ["a"], compute) == 3
    assert freshness.cached(people["approver"], "read", ["a"], compute) == 4
    project_update(project=project, actor=people["lead"], name="Renamed")
    assert freshness.cached(viewer, "read", ["a"], compute) == 5
    assert freshness.cached(viewer, "read", ["a"], compute) == 5


def test_a_change_in_a_tenant_the_reader_cannot_see_keeps_their_entry(people, project):
    compute = counter()
    assert freshness.cached(people["viewer"], "read", [], compute) == 1
    assert freshness.cached(people["outsider"], "read", [], compute) == 2
    ProjectFactory(tenant=TenantFactory(slug="globex"))
    assert freshness.cached(people["viewer"], "read", [], compute) == 1
    assert freshness.cached(people["outsider"], "read", [], compute) == 3


def test_a_platform_admin_sees_a_change_in_any_tenant(people, project):
    compute = counter()
    assert freshness.cached(people["platform"], "read", [], compute) == 1
    ProjectFactory(tenant=TenantFactory(slug="globex"))
    assert freshness.cached(people["platform"], "read", [], compute) == 2


def test_a_change_of_access_is_a_change(people, project, tenant):
    compute = counter()
    viewer = people["viewer"]
    assert freshness.cached(viewer, "read", [], compute) == 1
    membership_grant(tenant=tenant, user=viewer, role=Role.CUSTOMER_APPROVER)
    assert freshness.cached(viewer, "read", [], compute) == 2
    membership_revoke(tenant=tenant, user=viewer)
    assert freshness.cached(viewer, "read", [], compute) == 3
    viewer.is_active = False
    viewer.save()
    assert freshness.cached(viewer, "read", [], compute) == 4


def test_signing_in_changes_nothing_cached(client, people, project):
    compute = counter()
    assert freshness.cached(people["viewer"], "read", [], compute) == 1
    client.post(reverse("login"), {"username": "viewer", "password": settings.DEMO_PASSWORD})
    assert client.get(reverse("home")).status_code == 200  # signed in: last_login was written
    assert freshness.cached(people["viewer"], "read", [], compute) == 1


def test_a_read_computed_before_a_commit_is_not_served_after_it(people, project, django_capture_on_commit_callbacks):
    viewer = people["viewer"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        project_update(project=project, actor=people["lead"], name="Renamed")
        # Another reader, between the write and its commit, would still read the old rows:
        assert freshness.cached(viewer, "read", [], lambda: "the old name") == "the old name"
    assert freshness.cached(viewer, "read", [], lambda: "the new name") == "the new name"


@pytest.mark.redis
def test_a_lost_version_starts_above_every_earlier_one(people, project):
    compute = counter()
    viewer = people["viewer"]
    assert freshness.cached(viewer, "read", [], compute) == 1
    server = redis.Redis.from_url(settings.REDIS_URL)
    lost = list(server.scan_iter(match="*fresh:tenant:*"))
    assert lost
    server.delete(*lost)  # as an eviction or a restart without its data would
    assert freshness.cached(viewer, "read", [], compute) == 2


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
)
def test_without_a_cache_reads_are_computed_and_writes_go_through(people, project):
    compute = counter()
    assert freshness.cached(people["viewer"], "read", [], compute) == 1
    assert freshness.cached(people["viewer"], "read", [], compute) == 2
    project_update(project=project, actor=people["lead"], name="Renamed")
    project.refresh_from_db()
    assert project.name == "Renamed"


# --- Through the API and the pages -------------------------------------------------------------


def test_the_dashboard_inbox_and_list_page_follow_a_request_and_its_decision(client, people, project):
    client.force_login(people["approver"])
    assert "ACME-1" not in client.get(reverse("inbox")).content.decode()
    assert client.get(reverse("home")).context["portfolio"].pending_total == 0
    assert client.get(reverse("project-list")).context["page"].count == 1

    request = approval_request_create(project=project, actor=people["lead"])
    assert "ACME-1" in client.get(reverse("inbox")).content.decode()
    home = client.get(reverse("home"))
    assert (home.context["portfolio"].pending_total, home.context["waiting_for_me"]) == (1, 1)

    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert "ACME-1" not in client.get(reverse("inbox")).content.decode()
    ProjectFactory(tenant=project.tenant, code="ACME-2")
    assert client.get(reverse("project-list")).context["page"].count == 2


def test_a_cached_page_runs_no_query_for_what_it_caches(client, people, project):
    client.force_login(people["lead"])
    for name in ("home", "inbox", "project-list"):
        client.get(reverse(name))
        with CaptureQueriesContext(connection) as again:
            assert client.get(reverse(name)).status_code == 200
        statements = [query["sql"] for query in again.captured_queries]
        assert not [sql for sql in statements if 'FROM "projects_project"' in sql], name
        assert not [sql for sql in statements if 'FROM "projects_approvalrequest"' in sql], name
