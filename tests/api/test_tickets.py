"""Ticket links over the API, as a ticketing tool uses them: linked when a project is created (all
or nothing), added, removed and found by key exactly whatever its case, through the same services
as the project's page; a duplicate names the project holding it only to a caller who may see it."""

import pytest

from audit.models import AuditEvent
from projects.models import Project, TicketReference
from projects.services.projects import TAKEN_UNSEEN, project_access_grant, ticket_link
from tenancy.models import Role
from tenancy.services import service_account_create
from tests.factories import MembershipFactory, ProjectFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def error_fields(response) -> dict[str, list[tuple[str, str]]]:
    fields = {}
    for item in response.json()["error"]["fields"]:
        fields.setdefault(item["field"], []).append((item["code"], item["message"]))
    return fields


@pytest.fixture
def tool(api, tenant, people):
    """A ticketing tool: a delivery-lead service account of the client with read and write scopes."""
    account = service_account_create(
        tenant=tenant, username="jira-bridge", role=Role.DELIVERY_LEAD, actor=people["admin"]
    )
    return api(account, scopes=("read", "write"))


def new_project(tickets, code="CLAIMS-1"):
    return {"tenant": "acme", "name": "Claims", "code": code, "tickets": tickets}


def test_a_tool_creates_a_project_with_its_tickets_and_finds_it_by_key_in_any_case(tool, people):
    created = tool.post(
        "/api/v1/projects/",
        new_project([{"system": "jira", "key": "AI-42", "url": "https://jira.example.com/browse/AI-42"}]),
        format="json",
    )
    assert created.status_code == 201, created.json()
    ticket = created.json()["tickets"][0]
    assert {k: ticket[k] for k in ("system", "key", "url")} == {
        "system": "jira",
        "key": "AI-42",
        "url": "https://jira.example.com/browse/AI-42",
    }
    project_id = created.json()["id"]
    assert AuditEvent.objects.filter(action="ticket.linked", project_id=project_id, source="api").count() == 1

    def found(query):
        return [p["id"] for p in tool.get(f"/api/v1/projects/?{query}").json()["results"]]

    assert found("ticket=AI-42") == [project_id]
    assert found("ticket=ai-42") == [project_id]
    assert found("ticket=AI-4") == []
    assert found("ticket=AI-42%25") == []

    links = tool.get("/api/v1/tickets/?key=ai-42").json()["results"]
    assert [(link["project"], link["project_code"], link["key"], link["tenant"]) for link in links] == [
        (project_id, "CLAIMS-1", "AI-42", "acme")
    ]
    assert tool.get("/api/v1/tickets/?key=AI-4").json()["results"] == []
    assert tool.get("/api/v1/tickets/?key=AI-42&system=servicenow").json()["results"] == []
    # Another client's tool finds nothing.
    assert api_for_outsider(people).get("/api/v1/tickets/?key=AI-42").json()["results"] == []
    assert api_for_outsider(people).get("/api/v1/projects/?ticket=AI-42").json()["results"] == []


def api_for_outsider(people):
    from rest_framework.test import APIClient

    from tenancy.services import token_issue

    _, token = token_issue(user=people["outsider"], name="t", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize(
    ("tickets", "field", "code"),
    [
        ([{"system": "jira", "key": "NEW-1"}, {"system": "jira", "key": "ai-42"}], "tickets.1.key", "unique"),
        ([{"system": "jira", "key": "NEW-1"}, {"system": "jira", "key": "New-1"}], "tickets.1.key", "unique"),
        ([{"system": "trello", "key": "NEW-1"}], "tickets.0.system", "invalid_choice"),
        ([{"system": "jira"}], "tickets.0.key", "required"),
        ([{"system": "jira", "key": "NEW-1", "url": "not a link"}], "tickets.0.url", "invalid"),
        # A ticket, or the list, refused as a whole is named by itself, as a place in a body always is.
        (["NEW-1"], "tickets.0", "invalid"),
        ([{"system": "jira", "key": "NEW-1"}, 7], "tickets.1", "invalid"),
        ("NEW-1", "tickets", "not_a_list"),
    ],
)
def test_a_refused_ticket_creates_no_project(tool, project, people, tickets, field, code):
    ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    projects, events = Project.objects.count(), AuditEvent.objects.count()
    refused = tool.post("/api/v1/projects/", new_project(tickets), format="json")
    assert refused.status_code == 400
    assert list(error_fields(refused)) == [field]
    assert error_fields(refused)[field][0][0] == code
    assert Project.objects.count() == projects
    assert TicketReference.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_tickets_are_linked_listed_and_unlinked(tool, project):
    url = f"/api/v1/projects/{project.pk}/tickets/"
    linked = tool.post(url, {"system": "servicenow", "key": " CHG-7 "}, format="json")
    assert linked.status_code == 201, linked.json()
    assert linked.json()["key"] == "CHG-7"
    assert linked["ETag"]
    assert [t["key"] for t in tool.get(url).json()] == ["CHG-7"]
    ticket_id = linked.json()["id"]
    one = tool.get(f"{url}{ticket_id}/")
    assert one.status_code == 200

    stale = tool.delete(f"{url}{ticket_id}/", HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    assert tool.delete(f"{url}{ticket_id}/", HTTP_IF_MATCH=one["ETag"]).status_code == 204
    assert tool.get(url).json() == []
    assert tool.get("/api/v1/projects/?ticket=CHG-7").json()["results"] == []
    actions = AuditEvent.objects.filter(project_id=project.pk, action__startswith="ticket.")
    assert sorted(actions.values_list("action", "source")) == [("ticket.linked", "api"), ("ticket.unlinked", "api")]


def test_an_unknown_system_is_a_400_naming_the_field(tool, project):
    refused = tool.post(f"/api/v1/projects/{project.pk}/tickets/", {"system": "trello", "key": "T-1"}, format="json")
    assert refused.status_code == 400
    assert list(error_fields(refused)) == ["system"]
    assert not TicketReference.objects.exists()


def test_a_duplicate_names_the_project_to_a_caller_who_may_see_it(tool, tenant, project, people):
    holder = ProjectFactory(tenant=tenant, code="OTHER-1", name="Claims bot")
    ticket_link(project=holder, actor=people["lead"], system="jira", key="AI-42")
    refused = tool.post(f"/api/v1/projects/{project.pk}/tickets/", {"system": "jira", "key": "ai-42"}, format="json")
    assert refused.status_code == 400
    assert error_fields(refused) == {
        "key": [("unique", "AI-42 is linked to project OTHER-1 — Claims bot already: choose another ticket.")]
    }


def test_a_duplicate_names_nothing_to_a_caller_who_may_not_see_the_project(api, tenant, project, people):
    hidden = ProjectFactory(tenant=tenant, code="HIDDEN-1", name="Secret merger")
    ticket_link(project=hidden, actor=people["lead"], system="jira", key="AI-42")
    narrowed = UserFactory(username="narrowed")
    MembershipFactory(tenant=tenant, user=narrowed, role=Role.DELIVERY_LEAD, all_projects=False)
    project_access_grant(project=project, user=narrowed, role=Role.DELIVERY_LEAD)
    client = api(narrowed, scopes=("read", "write"))

    refused = client.post(f"/api/v1/projects/{project.pk}/tickets/", {"system": "jira", "key": "AI-42"}, format="json")
    assert refused.status_code == 400
    assert error_fields(refused) == {"key": [("unique", TAKEN_UNSEEN)]}
    assert "HIDDEN-1" not in refused.content.decode()
    assert "Secret merger" not in refused.content.decode()
    # The same answer as any other conflict with something they cannot see: a code taken by that project.
    code_taken = client.post("/api/v1/projects/", new_project([], code="HIDDEN-1"), format="json")
    assert code_taken.status_code == 400
    assert error_fields(code_taken) == {"code": [("unique", TAKEN_UNSEEN)]}
    # ...and the lookups do not find it either.
    assert client.get("/api/v1/tickets/?key=AI-42").json()["results"] == []
    assert client.get("/api/v1/projects/?ticket=AI-42").json()["results"] == []


def test_readers_may_list_but_not_link_or_unlink(api, project, people):
    ticket = ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    viewer = api(people["viewer"])
    url = f"/api/v1/projects/{project.pk}/tickets/"
    assert [t["key"] for t in viewer.get(url).json()] == ["AI-42"]
    assert viewer.post(url, {"system": "jira", "key": "AI-43"}, format="json").status_code == 403
    assert viewer.delete(f"{url}{ticket.pk}/").status_code == 403
    # A read-only token may not write either, whatever the role.
    assert (
        api(people["lead"], scopes=("read",)).post(url, {"system": "jira", "key": "AI-43"}, format="json").status_code
        == 403
    )
    assert list(TicketReference.objects.all()) == [ticket]


def test_another_clients_project_and_tickets_are_404(api, project, people):
    elsewhere = ProjectFactory(tenant=TenantFactory(slug="initech"))
    foreign = ticket_link(project=elsewhere, actor=None, system="jira", key="INI-1")
    own = ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    client = api(people["lead"])
    assert client.get(f"/api/v1/projects/{elsewhere.pk}/tickets/").status_code == 404
    assert (
        client.post(
            f"/api/v1/projects/{elsewhere.pk}/tickets/", {"system": "jira", "key": "X-1"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/projects/{elsewhere.pk}/tickets/{foreign.pk}/").status_code == 404
    # Another project's ticket through our project's address does not exist either.
    assert client.delete(f"/api/v1/projects/{project.pk}/tickets/{foreign.pk}/").status_code == 404
    assert client.get("/api/v1/projects/999999/tickets/").status_code == 404
    assert set(TicketReference.objects.all()) == {foreign, own}
