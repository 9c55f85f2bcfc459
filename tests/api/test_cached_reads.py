"""The API's project list and detail are cached per caller, and never stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services.assessments import assessments_run
from deployments.services import routing_rules_replace
from projects.models import HostingApproach
from projects.services.projects import project_access_grant, project_access_revoke, project_update, ticket_link
from tenancy.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _names(client, path="/api/v1/projects/"):
    return {row["code"]: row for row in client.get(path).json()["results"]}


def test_the_api_list_comes_from_the_cache_until_a_project_changes(api, people, project):
    client = api(people["viewer"])
    assert _names(client)["ACME-1"]["name"] == project.name
    with CaptureQueriesContext(connection) as again:
        assert _names(client)["ACME-1"]["name"] == project.name
    assert len(again.captured_queries) == 1  # the token; the rest from the cache

    lead = api(people["lead"])
    assert lead.patch(f"/api/v1/projects/{project.pk}/", {"name": "Renamed"}, format="json").status_code == 200
    assert _names(client)["ACME-1"]["name"] == "Renamed"
    ticket_link(project=project, actor=people["lead"], system="jira", key="OPS-7")
    assert [ticket["key"] for ticket in _names(client)["ACME-1"]["tickets"]] == ["OPS-7"]
    assert _names(client)["ACME-1"]["readiness_status"] is None
    assessments_run([project.pk])  # bulk inserts and a standing upsert, past the model signals
    assert _names(client)["ACME-1"]["readiness_status"] is not None


def test_a_revoked_grant_takes_the_project_out_of_the_cached_list(api, people, project):
    contractor = UserFactory(username="contractor")
    project_access_grant(project=project, user=contractor, role=Role.ENGINEER)
    client = api(contractor)
    assert set(_names(client)) == {"ACME-1"}
    assert set(_names(client)) == {"ACME-1"}
    project_access_revoke(project=project, user=contractor)
    assert _names(client) == {}
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 404


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
