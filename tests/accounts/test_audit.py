"""The audit log is append-only, at the model and, on PostgreSQL, at the database."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.audit import audit_context, audit_record
from accounts.models import AuditEvent, AuditLogIsAppendOnly
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(project, people):
    return audit_record(action="project.updated", obj=project, actor=people["lead"], before={"a": 1}, after={"a": 2})


def test_an_event_says_who_what_where_and_when(event, project, people):
    assert (event.tenant_id, event.project_id, event.actor, event.actor_name) == (
        project.tenant_id,
        project.pk,
        people["lead"],
        "lead",
    )
    assert (event.object_type, event.object_id) == ("projects.project", str(project.pk))
    assert event.source == AuditEvent.Source.SYSTEM
    with audit_context(source=AuditEvent.Source.TASK, request_id="task-42"):
        in_task = audit_record(action="project.updated", obj=project)
    assert (in_task.source, in_task.request_id, in_task.actor_name) == ("task", "task-42", "system")


def test_the_model_refuses_changes_and_deletion(event):
    event.action = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "project.updated"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_auditevent SET action = 'tampered' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete(event, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "project.updated"


def test_web_and_admin_requests_mark_their_events(client, tenant):
    operator = UserFactory(username="operator", is_platform_admin=True, is_staff=True, is_superuser=True)
    client.force_login(operator)
    response = client.post(
        reverse("admin:projects_freezewindow_add"),
        {
            "tenant": tenant.pk,
            "name": "Year end",
            "kind": "one_off",
            "starts_on_0": "2026-12-24",
            "starts_on_1": "18:00",
            "ends_on_0": "2027-01-02",
            "ends_on_1": "08:00",
            "is_active": "on",
        },
        headers={"X-Request-ID": "ticket-sync-123"},
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "ticket-sync-123"
    event = AuditEvent.objects.get(action="freeze.created")
    assert (event.source, event.request_id, event.actor) == ("admin", "ticket-sync-123", operator)


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("login"))
    assert len(response["X-Request-ID"]) == 32
