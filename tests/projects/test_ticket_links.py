"""Ticket links that tools can rely on, through the services: a key is unique per client and system
whatever its case, found exactly whatever its case, linked with a new project all or nothing, and a
conflict with a project the caller cannot see names nothing."""

import json

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent
from projects.models import Project, TicketReference
from projects.selectors import tickets_by_key, tickets_visible
from projects.services.projects import TAKEN_UNSEEN, project_access_grant, project_create, ticket_link, ticket_unlink
from tenancy.models import Role
from tests.factories import MembershipFactory, ProjectFactory, TenantFactory, UserFactory
from webhooks.models import WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def narrowed(tenant, project):
    """A delivery lead of the client who sees only ``project`` (granted on it, no all-projects access)."""
    user = UserFactory(username="narrowed")
    MembershipFactory(tenant=tenant, user=user, role=Role.DELIVERY_LEAD, all_projects=False)
    project_access_grant(project=project, user=user, role=Role.DELIVERY_LEAD)
    return user


def test_a_key_is_unique_per_client_and_system_whatever_its_case(tenant, project, people):
    other = ProjectFactory(tenant=tenant, code="OTHER-1", name="Claims bot")
    ticket_link(project=other, actor=people["lead"], system="jira", key="AI-42")
    with pytest.raises(ValidationError) as refused:
        ticket_link(project=project, actor=people["lead"], system="jira", key=" ai-42 ")
    assert refused.value.message_dict == {
        "key": ["AI-42 is linked to project OTHER-1 — Claims bot already: choose another ticket."]
    }
    assert refused.value.error_dict["key"][0].code == "unique"
    with pytest.raises(ValidationError, match="linked to this project already"):
        ticket_link(project=other, actor=people["lead"], system="jira", key="Ai-42")
    # Another system, and another client, have keys of their own.
    ticket_link(project=project, actor=people["lead"], system="servicenow", key="ai-42")
    ticket_link(project=ProjectFactory(tenant=TenantFactory(slug="initech")), actor=None, system="jira", key="ai-42")
    assert TicketReference.objects.count() == 3
    assert AuditEvent.objects.filter(action="ticket.linked").count() == 3


def test_the_database_refuses_a_duplicate_in_another_case(tenant, project):
    TicketReference.objects.create(tenant=tenant, project=project, system="jira", key="AI-42")
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketReference.objects.create(tenant=tenant, project=project, system="jira", key="ai-42")


def test_a_conflict_with_a_project_the_caller_cannot_see_names_nothing(tenant, project, people, narrowed):
    hidden = ProjectFactory(tenant=tenant, code="HIDDEN-1", name="Secret merger")
    ticket_link(project=hidden, actor=people["lead"], system="jira", key="AI-42")
    with pytest.raises(ValidationError) as refused:
        ticket_link(project=project, actor=narrowed, system="jira", key="ai-42")
    assert refused.value.message_dict == {"key": [TAKEN_UNSEEN]}
    # The same answer as for any other conflict they cannot see: a project code taken by that project.
    with pytest.raises(ValidationError) as code_taken:
        project_create(tenant=tenant, actor=narrowed, name="Mine", code="HIDDEN-1")
    assert code_taken.value.message_dict == {"code": [TAKEN_UNSEEN]}
    assert TicketReference.objects.count() == 1


def test_lookups_are_exact_and_ignore_case(tenant, project, people):
    ticket = ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    ticket_link(project=project, actor=people["lead"], system="jira", key="AI-420")
    assert list(tickets_by_key("ai-42")) == [ticket]
    assert list(tickets_by_key(" AI-42 ")) == [ticket]
    assert not tickets_by_key("AI-4").exists()
    assert not tickets_by_key("AI-4%").exists()
    assert list(tickets_visible(user=people["viewer"], key="Ai-42")) == [ticket]
    assert not tickets_visible(user=people["outsider"], key="AI-42").exists()


def test_a_project_is_created_with_its_tickets(tenant, people):
    project = project_create(
        tenant=tenant,
        actor=people["lead"],
        name="Claims",
        code="CLAIMS-1",
        tickets=[
            {"system": "jira", "key": "AI-42", "url": "https://jira.example.com/browse/AI-42"},
            {"system": "servicenow", "key": "CHG-7"},
        ],
    )
    assert sorted(project.tickets.values_list("system", "key")) == [("jira", "AI-42"), ("servicenow", "CHG-7")]
    linked = AuditEvent.objects.filter(action="ticket.linked", project_id=project.pk)
    assert sorted(event.after["key"] for event in linked) == ["AI-42", "CHG-7"]
    assert {event.actor_id for event in linked} == {people["lead"].pk}


@pytest.mark.parametrize(
    ("tickets", "field"),
    [
        ([{"system": "jira", "key": "NEW-1"}, {"system": "jira", "key": "ai-42"}], "tickets.1.key"),
        ([{"system": "jira", "key": "NEW-1"}, {"system": "jira", "key": "new-1"}], "tickets.1.key"),
        ([{"system": "trello", "key": "NEW-1"}], "tickets.0.system"),
        ([{"system": "jira", "key": ""}], "tickets.0.key"),
        ([{"system": "jira", "key": "NEW-1", "colour": "red"}], "tickets.0.colour"),
    ],
)
def test_a_refused_ticket_creates_no_project(tenant, project, people, tickets, field):
    ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    projects, events = Project.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        project_create(tenant=tenant, actor=people["lead"], name="Claims", code="CLAIMS-1", tickets=tickets)
    assert list(refused.value.message_dict) == [field]
    assert Project.objects.count() == projects
    assert TicketReference.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_unlinking_is_audited_and_needs_the_right(project, people):
    ticket = ticket_link(project=project, actor=people["engineer"], system="jira", key="AI-42")
    with pytest.raises(PermissionDenied):
        ticket_unlink(ticket=ticket, actor=people["viewer"])
    with pytest.raises(PermissionDenied):
        ticket_link(project=project, actor=people["viewer"], system="jira", key="AI-43")
    ticket_unlink(ticket=ticket, actor=people["engineer"])
    assert not TicketReference.objects.exists()
    event = AuditEvent.objects.get(action="ticket.unlinked")
    assert (event.actor_id, event.before["key"], event.project_id) == (people["engineer"].pk, "AI-42", project.pk)


@pytest.mark.postgres
def test_the_migration_keeps_the_first_of_keys_differing_in_case(tenant, project):
    """The data migration before the constraint, on rows written as an older release could have.
    (PostgreSQL: the constraint is dropped inside the test's transaction, which SQLite's schema
    editor cannot do with foreign keys checked.)"""
    migration = __import__("projects.migrations.0005_ticket_keys_differing_in_case", fromlist=["x"])
    constraint = next(c for c in TicketReference._meta.constraints if c.name.startswith("ticket_key_unique"))
    with connection.schema_editor(atomic=False) as editor:  # rolled back with the test's transaction
        editor.remove_constraint(TicketReference, constraint)
    other = ProjectFactory(tenant=tenant, code="OTHER-1")
    first = TicketReference.objects.create(tenant=tenant, project=project, system="jira", key="AI-42")
    later = TicketReference.objects.create(tenant=tenant, project=other, system="jira", key="ai-42")
    kept = [
        TicketReference.objects.create(tenant=tenant, project=other, system="servicenow", key="ai-42"),
        TicketReference.objects.create(tenant=tenant, project=other, system="jira", key="AI-420"),
    ]
    migration.remove_later_duplicates(apps, None)
    assert set(TicketReference.objects.all()) == {first, *kept}
    event = AuditEvent.objects.get(action="ticket.unlinked")
    assert (event.object_id, event.project_id, event.before["key"]) == (str(later.pk), other.pk, "ai-42")
    assert event.after["kept"] == {"key": "AI-42", "project": project.pk}


def test_the_project_list_page_finds_a_ticket_key_exactly_whatever_its_case(client, tenant, project, people):
    from django.urls import reverse

    ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    ProjectFactory(tenant=tenant, code="OTHER-1", name="Dispute triage")
    client.force_login(people["viewer"])

    def listed(query):
        body = client.get(reverse("project-list"), {"q": query}).content.decode()
        return {code for code in ("ACME-1", "OTHER-1") if code in body}

    assert listed("ai-42") == {"ACME-1"}
    assert listed("AI-42") == {"ACME-1"}
    assert listed("AI-4") == set()


def test_the_created_event_of_a_project_made_with_its_ticket_carries_the_key(tenant, people):
    """A tool that creates a project with its ticket is told of the creation with the key to route it by."""
    WebhookEndpoint.objects.create(
        tenant=tenant, url="https://hooks.example.org/in", secret="s", event_types=["project.created"]
    )
    project = project_create(
        tenant=tenant,
        actor=people["lead"],
        name="Claims",
        code="CLAIMS-9",
        tickets=[{"system": "jira", "key": "AI-77"}],
    )
    body = json.loads(WebhookEvent.objects.get(event_type="project.created").body)
    assert body["data"]["project_id"] == project.pk
    assert [(t["system"], t["key"]) for t in body["data"]["tickets"]] == [("jira", "AI-77")]
    actions = list(AuditEvent.objects.filter(project_id=project.pk).order_by("pk").values_list("action", flat=True))
    assert actions == ["project.created", "ticket.linked"], "the timeline tells the creation first"
