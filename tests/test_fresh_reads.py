"""What a person or a tool reads follows every write at once, whatever made it (a service, a bulk
write past the model signals, a change of access): nothing is cached between the database and them."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from assessments.services.assessments import assessments_run
from deployments.services import routing_rules_replace
from projects.models import HostingApproach
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.projects import project_access_grant, project_access_revoke, project_update, ticket_link
from tenancy.models import Role
from tenancy.services import membership_grant, membership_revoke
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def _names(client, path="/api/v1/projects/"):
    return {row["code"]: row for row in client.get(path).json()["results"]}


def test_the_api_list_follows_every_write(api, people, project):
    client = api(people["viewer"])
    assert _names(client)["ACME-1"]["name"] == project.name

    lead = api(people["lead"])
    assert lead.patch(f"/api/v1/projects/{project.pk}/", {"name": "Renamed"}, format="json").status_code == 200
    assert _names(client)["ACME-1"]["name"] == "Renamed"
    ticket_link(project=project, actor=people["lead"], system="jira", key="OPS-7")
    assert [ticket["key"] for ticket in _names(client)["ACME-1"]["tickets"]] == ["OPS-7"]
    assert _names(client)["ACME-1"]["readiness_status"] is None
    assessments_run([project.pk])  # bulk inserts and a standing upsert, past the model signals
    assert _names(client)["ACME-1"]["readiness_status"] is not None


def test_a_revoked_grant_takes_the_project_out_of_the_list(api, people, project):
    contractor = UserFactory(username="contractor")
    project_access_grant(project=project, user=contractor, role=Role.ENGINEER)
    client = api(contractor)
    assert set(_names(client)) == {"ACME-1"}
    assert set(_names(client)) == {"ACME-1"}
    project_access_revoke(project=project, user=contractor)
    assert _names(client) == {}
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 404


def test_a_change_of_role_or_grant_decides_the_very_next_api_request(api, people, project):
    """The reader's memberships and grants are read by SQL compiled once per connection
    (``core.compiled``), afresh for every request: one token, its reach changed between requests."""
    person = UserFactory(username="moving")
    client = api(person)
    detail = f"/api/v1/projects/{project.pk}/"
    assert _names(client) == {}
    membership_grant(tenant=project.tenant, user=person, role=Role.CUSTOMER_VIEWER)
    assert set(_names(client)) == {"ACME-1"}
    assert client.patch(detail, {"name": "Renamed"}, format="json").status_code == 403
    membership_grant(tenant=project.tenant, user=person, role=Role.DELIVERY_LEAD)
    assert client.patch(detail, {"name": "Renamed"}, format="json").status_code == 200
    membership_grant(tenant=project.tenant, user=person, role=Role.DELIVERY_LEAD, all_projects=False)
    assert _names(client) == {}
    membership_revoke(tenant=project.tenant, user=person)
    assert client.get(detail).status_code == 404
    group = Group.objects.create(name="contractors")
    project_access_grant(project=project, group=group, role=Role.CUSTOMER_VIEWER)
    assert _names(client) == {}
    person.groups.add(group)
    assert set(_names(client)) == {"ACME-1"}
    person.groups.remove(group)
    assert _names(client) == {}


def test_the_api_detail_and_its_etag_follow_a_bulk_replacement_of_routing_rules(api, people, project):
    project_update(project=project, actor=people["lead"], hosting_approach=HostingApproach.HYBRID)
    client = api(people["viewer"])
    first = client.get(f"/api/v1/projects/{project.pk}/")
    assert first.json()["routing_rules"] == []
    assert client.get(f"/api/v1/projects/{project.pk}/")["ETag"] == first["ETag"]
    routing_rules_replace(
        project=project,
        actor=people["engineer"],
        rules=[
            {
                "condition_kind": "data_class",
                "data_class": "regulated",
                "destination": "self_hosted",
                "share_percent": 70,
            },
            {
                "condition_kind": "traffic",
                "traffic_condition": "other",
                "destination": "cloud_api",
                "api_model": "openai:gpt-4o-mini",
                "share_percent": 30,
            },
        ],
    )
    second = client.get(f"/api/v1/projects/{project.pk}/")
    assert [rule["destination"] for rule in second.json()["routing_rules"]] == ["self_hosted", "cloud_api"]
    assert second["ETag"] != first["ETag"]


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
