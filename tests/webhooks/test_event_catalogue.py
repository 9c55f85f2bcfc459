"""The webhook event catalogue: every event type the product can send has a JSON Schema in
``webhooks/schemas/`` (draft 2020-12, for the whole delivered body), and what the real services send
validates against it, ticket keys included.

How it was checked that the tests can fail: deleting ``webhooks/schemas/approval.expired.json``
fails ``test_every_event_type_has_a_schema_and_nothing_else_does``; adding a member to
``WebhookEventType`` without a trigger below fails ``test_every_event_type_is_triggered_here``;
renaming ``tickets`` in ``webhooks.services.publish_many`` fails the validation of every event.
"""

import datetime
import json
import re
from pathlib import Path

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.catalog import prices_import
from assessments.services.assessments import assessments_run
from assessments.services.estimates import estimates_recalculate
from assessments.services.gates import evidence_accept, evidence_record, evidence_withdraw
from deployments.services import deployment_model_switch, environment_sign_off
from projects.services.access import project_access_grant, project_access_revoke
from projects.services.approvals import (
    approval_decide,
    approval_request_cancel,
    approval_request_create,
    approval_requests_expire,
)
from projects.services.projects import (
    evidence_add,
    evidence_remove,
    profile_update,
    project_create,
    project_update,
    ticket_link,
)
from projects.services.stages import project_pause
from tenancy.models import Role
from tenancy.services import service_account_create
from tests.factories import ProjectFactory, UserFactory
from tests.webhooks.test_webhooks import Receiver, send_due
from webhooks import services as webhook_services
from webhooks.models import WebhookEvent, WebhookEventType
from webhooks.receivers import WEBHOOK_EVENTS

SCHEMAS = Path(__file__).resolve().parents[2] / "webhooks" / "schemas"
pytestmark = pytest.mark.django_db


def schema_of(event_type):
    return json.loads((SCHEMAS / f"{event_type}.json").read_text())


def _approved(project, people):
    request = approval_request_create(project=project, actor=people["lead"], note="Pilot signed off in AI-42")
    approval_decide(request=request, actor=people["approver"], verdict="approve", comment="Approved in AI-42")


def _rejected(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=request, actor=people["approver"], verdict="reject", comment="Data not classified")


def _expired(project, people):
    approval_request_create(project=project, actor=people["lead"])
    assert approval_requests_expire(now=timezone.now() + datetime.timedelta(days=30)) == 1


def _cancelled(project, people):
    approval_request_cancel(
        request=approval_request_create(project=project, actor=people["lead"]), actor=people["lead"]
    )


def _recalculated(project, people):
    prices_import()
    assert estimates_recalculate([project.pk])["stored"] == 1


def _accepted(project, people):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    evidence_accept(evidence=evidence, actor=people["approver"])


def _withdrawn(project, people):
    evidence = evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana board")
    evidence_withdraw(evidence=evidence, actor=people["engineer"])


def _outside_engineer_granted(project, people):
    engineer = UserFactory(username="outside-engineer")
    project_access_grant(project=project, user=engineer, role=Role.ENGINEER, actor=people["admin"])
    return engineer


def _updated_in_every_way(project, people):
    """Each action behind ``project.updated``: the project's fields, its requirements, its deployment model."""
    project_update(project=project, actor=people["lead"], name="Renamed", delivery_lead=people["lead2"])
    profile_update(project=project, actor=people["lead"], monthly_budget="1200.50", regulations=["gdpr"])
    deployment_model_switch(
        project=project,
        actor=people["lead"],
        deployment_model="customer_cloud",
        environment={"provider": "aws", "account_id": "1234", "regions": ["eu-west-1"], "access_pattern": "SSO"},
    )


def _signed_off(project, people):
    """Both sign-offs: one in the approver's own name, one relayed by the client's ticketing tool."""
    deployment_model_switch(
        project=project,
        actor=people["lead"],
        deployment_model="customer_cloud",
        environment={
            "provider": "aws",
            "account_id": "1234",
            "regions": ["eu-west-1"],
            "residency_regions": ["EU"],
            "access_pattern": "SSO",
        },
    )
    environment_sign_off(project=project, actor=people["approver"], kind="access_pattern")
    bridge = service_account_create(tenant=project.tenant, username="jira-bridge", role=Role.CUSTOMER_VIEWER)
    environment_sign_off(project=project, actor=people["admin"], kind="data_residency", relayed_by=bridge)


def _evidence_link(project, people):
    return evidence_add(
        project=project, actor=people["engineer"], kind="press", title="Launch article", url="https://news.example/ai"
    )


#: How each event type is caused through the services a person or a tool calls.
TRIGGERS = {
    "project.created": lambda project, people: project_create(
        tenant=project.tenant, actor=people["lead"], name="Second", code="ACME-2"
    ),
    "project.updated": lambda project, people: _updated_in_every_way(project, people),
    "project.stage_changed": lambda project, people: project_pause(
        project=project, actor=people["lead"], reason="Waiting for the client's data"
    ),
    "approval.requested": lambda project, people: approval_request_create(project=project, actor=people["lead"]),
    "approval.approved": _approved,
    "approval.rejected": _rejected,
    "approval.expired": _expired,
    "approval.cancelled": _cancelled,
    "assessment.completed": lambda project, people: assessments_run([project.pk]),
    "cost.recalculated": _recalculated,
    "gate.evidence_recorded": lambda project, people: evidence_record(
        project=project, actor=people["lead"], item="monitoring", note="Grafana board", url="https://grafana.example"
    ),
    "gate.evidence_accepted": _accepted,
    "gate.evidence_withdrawn": _withdrawn,
    "access.granted": lambda project, people: _outside_engineer_granted(project, people),
    "environment.signed_off": _signed_off,
    "evidence_link.added": _evidence_link,
    "evidence_link.removed": lambda project, people: evidence_remove(
        link=_evidence_link(project, people), actor=people["lead"]
    ),
    "access.revoked": lambda project, people: project_access_revoke(
        project=project, user=_outside_engineer_granted(project, people), actor=people["admin"]
    ),
}


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def ticketed(project, people, tenant, receiver):
    """The project with two tickets, and a webhook subscribed to every event."""
    ticket_link(
        project=project, actor=people["lead"], system="jira", key="AI-42", url="https://jira.example/browse/AI-42"
    )
    ticket_link(project=project, actor=people["lead"], system="servicenow", key="CHG0012345")
    webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
    return project


def test_every_event_type_has_a_schema_and_nothing_else_does():
    files = {path.name.removesuffix(".json") for path in SCHEMAS.glob("*.json")}
    assert files == set(WebhookEventType.values)
    for event_type in WebhookEventType.values:
        schema = schema_of(event_type)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["properties"]["type"] == {"const": event_type}


def test_every_event_type_is_triggered_here_and_every_audited_one_is_in_the_catalogue():
    assert set(TRIGGERS) == set(WebhookEventType.values)
    assert set(WEBHOOK_EVENTS.values()) <= set(WebhookEventType.values)


def test_an_event_type_outside_the_catalogue_is_refused(tenant, people, receiver):
    webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
    with pytest.raises(ValueError, match=r"project\.exploded"):
        webhook_services.publish(tenant_id=tenant.pk, event_type="project.exploded", data={})
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("event_type", WebhookEventType.values)
def test_what_is_delivered_matches_the_events_schema(event_type, ticketed, people, receiver):
    TRIGGERS[event_type](ticketed, people)
    send_due()
    delivered = [json.loads(r["body"]) for r in receiver.requests if r["headers"]["X-Stagegate-Event"] == event_type]
    assert delivered, f"{event_type} was not delivered"
    validator = jsonschema.Draft202012Validator(schema_of(event_type), format_checker=jsonschema.FormatChecker())
    for body in delivered:
        validator.validate(body)
        if body["data"]["project_id"] == ticketed.pk:
            assert body["data"]["tickets"] == [
                {"system": "jira", "key": "AI-42", "url": "https://jira.example/browse/AI-42"},
                {"system": "servicenow", "key": "CHG0012345", "url": ""},
            ]
    # The schema is not a rubber stamp: a body without the ticket keys is refused.
    broken = json.loads(json.dumps(delivered[0]))
    del broken["data"]["tickets"]
    assert not validator.is_valid(broken)


def test_ticket_keys_of_a_batch_are_loaded_in_one_query_and_only_for_their_own_client(tenant, people, receiver):
    webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
    projects = [ProjectFactory(tenant=tenant, code=f"BATCH-{n}") for n in range(20)]
    for n, project in enumerate(projects):
        ticket_link(project=project, actor=people["platform"], system="jira", key=f"AI-{n}")
    foreign = ProjectFactory(tenant=people["outsider"].memberships.first().tenant)
    ticket_link(project=foreign, actor=people["platform"], system="jira", key="THEIRS-1")
    events = [(tenant.pk, "cost.recalculated", {"project_id": p.pk, "estimate_id": 1}) for p in projects]
    events.append((tenant.pk, "cost.recalculated", {"project_id": foreign.pk, "estimate_id": 2}))
    with CaptureQueriesContext(connection) as queries:
        assert webhook_services.publish_many(events) == 21
    assert sum("projects_ticketreference" in q["sql"] for q in queries.captured_queries) == 1
    bodies = {json.loads(e.body)["data"]["project_id"]: json.loads(e.body)["data"] for e in WebhookEvent.objects.all()}
    assert [t["key"] for t in bodies[projects[7].pk]["tickets"]] == ["AI-7"]
    assert bodies[foreign.pk]["tickets"] == []  # another client's keys never reach this client's webhook


def test_no_ticket_query_when_no_webhook_wants_the_events(tenant, project):
    with CaptureQueriesContext(connection) as queries:
        assert webhook_services.publish_many([(tenant.pk, "project.updated", {"project_id": project.pk})]) == 0
    assert not any("projects_ticketreference" in q["sql"] for q in queries.captured_queries)


def test_the_integration_guide_lists_every_event_type_with_a_link_to_its_schema():
    guide = (SCHEMAS.parents[1] / "docs" / "integration.md").read_text()
    listed = dict(
        re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| .+? \| \[[^]]+\]\(\.\./(webhooks/schemas/[^)]+)\) \|$", guide, re.M)
    )
    assert set(listed) == set(WebhookEventType.values)
    for event_type, link in listed.items():
        assert link == f"webhooks/schemas/{event_type}.json"
        assert (SCHEMAS.parents[1] / link).exists()
