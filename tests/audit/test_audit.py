"""The audit log is append-only, at the model and, on PostgreSQL, at the database; every event
says where it came from (web, API, admin, task) and carries the request id."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from audit.context import audit_context
from audit.middleware import AuditContextMiddleware
from audit.models import AuditEvent, AuditLogIsAppendOnly
from audit.services import audit_record
from projects.services.projects import project_update
from tenancy.services import token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def writes():
    """Audit events of changes: sign-ins (recorded on every test login) left out."""
    return AuditEvent.objects.exclude(action__startswith="auth.")


@pytest.fixture
def event(project, people):
    return audit_record(action="project.updated", obj=project, actor=people["lead"], before={"a": 1}, after={"a": 2})


def stored(event):
    return writes().filter(pk=event.pk).values().get()


@pytest.fixture
def operator(client):
    user = UserFactory(username="operator", is_platform_admin=True, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


YEAR_END = {
    "name": "Year end",
    "kind": "one_off",
    "starts_on_0": "2026-12-24",
    "starts_on_1": "18:00",
    "ends_on_0": "2027-01-02",
    "ends_on_1": "08:00",
    "is_active": "on",
}


def test_an_event_says_who_what_where_and_when(event, project, people):
    assert (event.tenant_id, event.project_id, event.actor, event.actor_name) == (
        project.tenant_id,
        project.pk,
        people["lead"],
        "lead",
    )
    assert (event.object_type, event.object_id, event.object_repr) == (
        "projects.project",
        str(project.pk),
        str(project),
    )
    assert (event.before, event.after) == ({"a": 1}, {"a": 2})
    assert event.source == AuditEvent.Source.SYSTEM
    assert event.created_at is not None
    with audit_context(source=AuditEvent.Source.TASK, request_id="task-42"):
        in_task = audit_record(action="project.updated", obj=project)
    assert (in_task.source, in_task.request_id, in_task.actor_name) == ("task", "task-42", "system")
    after_task = audit_record(action="project.updated", obj=project)
    assert (after_task.source, after_task.request_id) == ("system", ""), "the context ends with its block"


# --- Append-only at the model (both databases) -------------------------------------------------------


def test_the_model_refuses_to_save_a_changed_event(event):
    before = stored(event)
    event.action = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.save(update_fields=["action"])
    assert stored(event) == before


def test_the_model_refuses_to_delete_an_event(event):
    before = stored(event)
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    assert stored(event) == before


def test_querysets_refuse_update_and_delete(event):
    before = stored(event)
    with pytest.raises(AuditLogIsAppendOnly):
        writes().filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        writes().all().update(action="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        writes().filter(pk=event.pk).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        writes().all().delete()
    event.action = "tampered"
    # bulk_update runs in an atomic block without a savepoint: give it one.
    with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
        writes().bulk_update([event], ["action"])
    assert stored(event) == before


def test_djangos_own_manager_refuses_update_and_delete_too(event):
    """Django reaches rows through ``_base_manager`` (related access, saving, deleting): the same
    queryset, not a plain one that would update or delete (on SQLite, with no trigger behind it)."""
    before = stored(event)
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent._base_manager.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent._base_manager.filter(pk=event.pk).delete()
    assert stored(event) == before


def test_a_new_instance_carrying_an_existing_id_cannot_overwrite_it(event):
    before = stored(event)
    forged = AuditEvent(pk=event.pk, action="tampered", object_type="x", object_id="1", source="system")
    with pytest.raises((AuditLogIsAppendOnly, IntegrityError, DatabaseError)), transaction.atomic():
        forged.save()
    assert stored(event) == before


def test_new_events_can_always_be_added(event, project):
    writes().bulk_create(
        [AuditEvent(action="bulk", object_type="x", object_id=str(n), source="system") for n in range(3)]
    )
    assert writes().count() == 4


# --- Append-only at the database (PostgreSQL) ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_auditevent SET action = 'tampered' WHERE id = %s",
        "UPDATE accounts_auditevent SET before = NULL, after = NULL WHERE id >= %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id >= %s",
    ],
)
def test_the_database_refuses_update_and_delete(event, statement):
    before = stored(event)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert stored(event) == before


@pytest.mark.postgres
def test_the_database_still_accepts_inserts(event):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditevent (actor_name, action, object_type, object_id, object_repr, source,"
            " request_id, created_at) VALUES ('system', 'raw', 'x', '1', '', 'system', '', now())"
        )
    assert writes().filter(action="raw").count() == 1


# --- Source and request id ------------------------------------------------------------------------------


def test_an_admin_write_is_marked_admin_with_the_callers_request_id(client, operator, tenant):
    response = client.post(
        reverse("admin:projects_freezewindow_add"),
        {"tenant": tenant.pk, **YEAR_END},
        headers={"X-Request-ID": "ticket-sync-123"},
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "ticket-sync-123"
    event = writes().get()
    assert (event.action, event.source, event.request_id, event.actor) == (
        "freeze.created",
        "admin",
        "ticket-sync-123",
        operator,
    )


def test_without_a_header_each_request_gets_its_own_id(client, operator, tenant):
    first = client.post(reverse("admin:projects_freezewindow_add"), {"tenant": tenant.pk, **YEAR_END})
    second = client.post(
        reverse("admin:projects_freezewindow_add"), {"tenant": tenant.pk, **YEAR_END, "name": "Another"}
    )
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert len(set(ids)) == 2
    assert all(len(request_id) == 32 for request_id in ids)
    assert list(writes().order_by("pk").values_list("request_id", flat=True)) == ids


def test_an_overlong_request_id_is_cut_to_fit(client, operator, tenant):
    response = client.post(
        reverse("admin:projects_freezewindow_add"),
        {"tenant": tenant.pk, **YEAR_END},
        headers={"X-Request-ID": "r" * 500},
    )
    assert response["X-Request-ID"] == "r" * 64
    assert writes().get().request_id == "r" * 64


def test_an_api_write_is_marked_api(project, people):
    _, token = token_issue(user=people["lead"], name="test", scopes=["read", "write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.patch(
        f"/api/v1/projects/{project.pk}/", {"name": "Renamed"}, format="json", HTTP_X_REQUEST_ID="jira-77"
    )
    assert response.status_code == 200, response.content
    assert response["X-Request-ID"] == "jira-77"
    event = writes().get(action="project.updated")
    assert (event.source, event.request_id, event.actor) == ("api", "jira-77", people["lead"])


def test_a_web_write_is_marked_web(project, people):
    """No page of the web app writes yet, so the middleware is driven directly, around a view that does."""

    def rename(request):
        project_update(project=project, actor=request.user, name="From the web")
        return HttpResponse("ok")

    request = RequestFactory().post(f"/projects/{project.pk}/", headers={"X-Request-ID": "web-1"})
    request.user = people["lead"]
    response = AuditContextMiddleware(rename)(request)
    assert response["X-Request-ID"] == "web-1"
    event = writes().get()
    assert (event.action, event.source, event.request_id) == ("project.updated", "web", "web-1")


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("login"))
    assert len(response["X-Request-ID"]) == 32
    assert client.get(reverse("login"), headers={"X-Request-ID": "abc"})["X-Request-ID"] == "abc"
