"""Choosing a project's delivery lead over the API (issue 16, parity: the edit page offers it):
``PATCH /api/v1/projects/{id}/`` with ``delivery_lead`` (a username, or null for nobody), through
the same service (``project_update``) and among the same people as the page's choices."""

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from projects.models import Project
from projects.services.projects import LEAD_REFUSED
from tenancy.models import Role
from tests.edit_forms import as_sent
from tests.factories import TenantFactory, member

pytestmark = pytest.mark.django_db


def url(project):
    return f"/api/v1/projects/{project.pk}/"


def state(project):
    return Project.objects.get(pk=project.pk).delivery_lead_id, AuditEvent.objects.count()


def test_a_delivery_lead_hands_the_project_over_and_it_can_be_left_to_nobody(api, people, project):
    client = api(people["lead"])
    handed = client.patch(url(project), {"delivery_lead": "lead2"}, format="json")
    assert handed.status_code == 200, handed.json()
    assert handed.json()["delivery_lead"] == "lead2"
    event = AuditEvent.objects.get(action="project.updated")
    assert (event.source, event.before, event.after) == (
        "api",
        {"delivery_lead": people["lead"].pk},
        {"delivery_lead": people["lead2"].pk},
    )
    nobody = client.patch(url(project), {"delivery_lead": None}, format="json")
    assert nobody.status_code == 200, nobody.json()
    assert nobody.json()["delivery_lead"] is None


def test_the_page_and_the_api_are_one_service(api, client, people, project):
    client.force_login(people["lead"])
    data = {
        "name": project.name,
        "code": project.code,
        "description": project.description,
        "delivery_lead": people["lead2"].pk,
        "workload_type": project.workload_type,
        "hosting_approach": project.hosting_approach,
    }
    address = reverse("project-edit", args=[project.pk])
    assert client.post(address, as_sent(client, address, data)).status_code == 302
    tool = api(people["lead2"])
    assert tool.get(url(project)).json()["delivery_lead"] == "lead2"
    assert tool.patch(url(project), {"delivery_lead": "lead"}, format="json").status_code == 200
    assert Project.objects.get(pk=project.pk).delivery_lead == people["lead"]
    events = AuditEvent.objects.filter(action="project.updated").order_by("pk")
    assert [(event.source, event.after) for event in events] == [
        ("web", {"delivery_lead": people["lead2"].pk}),
        ("api", {"delivery_lead": people["lead"].pk}),
    ]


def test_a_name_outside_the_pages_choices_gets_one_answer_whoever_it_names(api, people, project, tenant):
    """Unknown, another client's lead, one of this client's people who may not lead, a service
    account: the same 400 on the field, in the service's words, and nothing changes."""
    member(TenantFactory(slug="initech"), Role.DELIVERY_LEAD, username="initech-lead")
    member(tenant, Role.DELIVERY_LEAD, username="acme-bot", kind=User.Kind.SERVICE_ACCOUNT)
    client = api(people["lead"])
    before = state(project)
    answers = set()
    for name in ("no-such-person", "initech-lead", "viewer", "acme-bot", "LEAD2"):
        refused = client.patch(url(project), {"delivery_lead": name}, format="json")
        assert refused.status_code == 400, name
        assert refused.json()["error"]["fields"] == [
            {"field": "delivery_lead", "code": "invalid", "message": LEAD_REFUSED}
        ]
        answers.add(refused.content)
    assert len(answers) == 1
    assert state(project) == before


@pytest.mark.parametrize("name", ["lead2", "no-such-person", None])
def test_an_engineer_may_not_change_the_lead_and_learns_nothing_about_the_name(api, people, project, name):
    client = api(people["engineer"])
    before = state(project)
    refused = client.patch(url(project), {"delivery_lead": name}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "status": 403,
        "code": "permission_denied",
        "message": "Your rights on this project do not let you change it.",
        "fields": [],
    }
    assert state(project) == before


def test_a_name_that_is_not_text_is_a_400_naming_the_field(api, people, project):
    client = api(people["lead"])
    before = state(project)
    for value in (["lead2"], {"username": "lead2"}, "x" * 151):
        refused = client.patch(url(project), {"delivery_lead": value}, format="json")
        assert refused.status_code == 400
        assert [item["field"] for item in refused.json()["error"]["fields"]] == ["delivery_lead"]
    assert state(project) == before
