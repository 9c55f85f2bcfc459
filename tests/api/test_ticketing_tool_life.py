"""A ticketing tool does a whole client's life with its service-account token only (issue 16, acceptance).

The client's admin signs in, creates the tool's service account and token and subscribes a webhook,
all through the API. From then on only the tool's token is used: it creates the project with its
ticket link in one request, finds it by the ticket's key, records the requirements profile, links
evidence, records the customer-cloud environment, relays the client approver's sign-off of it,
requests the promotion (retried with its Idempotency-Key), relays the approver's approval, and
follows the changes feed and the webhooks, as docs/integration.md tells it to.

Everything runs as in production: each request commits, webhook deliveries and re-evaluations are
queued on Redis and run by a real Celery worker, which delivers signed HTTP requests to a receiver
listening on a local port; the receiver checks them with the guide's own ``verify``.
"""

import json
import time

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from projects.models import ApprovalDecision, Project, StageTransition
from tenancy.models import Role
from tests.api.test_integration_guide import load_example
from tests.factories import TenantFactory, member
from tests.webhooks.test_webhooks import Receiver
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TICKET = {"system": "jira", "key": "AI-42", "url": "https://meridian.atlassian.example/browse/AI-42"}
OTHER_TICKET = {"system": "servicenow", "key": "CHG0012345", "url": ""}
ENVIRONMENT = {
    "provider": "aws",
    "account_id": "1234-5678-9012",
    "regions": ["eu-central-1"],
    "residency_regions": ["EU"],
    "access_pattern": "Client IAM role through the client's SSO",
    "network_isolation": "private_endpoints",
}
#: The webhooks the tool's actions cause, in the order it caused them (re-evaluations may add others).
EXPECTED_EVENTS = [
    ("project.created", "project.created"),
    ("project.updated", "project.profile_updated"),
    ("evidence_link.added", "evidence.added"),
    ("evidence_link.added", "evidence.added"),
    ("evidence_link.removed", "evidence.removed"),
    ("project.updated", "project.deployment_model_changed"),
    ("environment.signed_off", "environment.signed_off"),
    ("environment.signed_off", "environment.signed_off"),
    ("approval.requested", "approval.requested"),
    ("approval.approved", "approval.approved"),
    ("project.stage_changed", "project.stage_changed"),
]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # the receiver listens on 127.0.0.1
    # The default timeout (10 s): a first attempt that times out on a busy machine is retried only a
    # minute later, by beat, which this test does not run.
    server = Receiver()
    yield server
    server.close()


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json()


def wait_for(condition, what, seconds=30, explain=lambda: ""):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what} {explain()}"
        time.sleep(0.1)


def feed(tool, since) -> tuple[list[dict], str]:
    """One poll of the changes feed as the guide says: from ``since``, following ``next`` to the last
    page; the projects listed and the ``changes_until`` to poll from next time."""
    page = ok(tool.get("/api/v1/projects/", {"tenant": "meridian", "updated_since": since, "page_size": 1}))
    until, seen = page["changes_until"], list(page["results"])
    while page["next"]:
        page = ok(tool.get(page["next"]))
        assert page["changes_until"] == until  # the window is fixed by the first page
        seen.extend(page["results"])
    return seen, until


def test_a_ticketing_tool_does_a_whole_clients_life_with_its_token_only(celery_worker, receiver):
    meridian = TenantFactory(slug="meridian", name="Meridian Insurance")
    admin = member(meridian, Role.CUSTOMER_ADMIN, username="meridian-admin")
    approver = member(meridian, Role.CUSTOMER_APPROVER, username="meridian-approver")
    admin.set_password("correct horse battery staple")
    admin.save()

    # --- The client's admin sets the tool up, through the API -------------------------------------
    signed_in = ok(
        APIClient().post(
            "/api/v1/auth/tokens/",
            {"username": "meridian-admin", "password": "correct horse battery staple", "scopes": ["read", "write"]},
            format="json",
        ),
        201,
    )
    as_admin = bearer(signed_in["token"])
    ok(
        as_admin.post(
            "/api/v1/tenants/meridian/service-accounts/",
            {"username": "jira-bridge", "role": "delivery_lead"},
            format="json",
        ),
        201,
    )
    issued = ok(
        as_admin.post(
            "/api/v1/tenants/meridian/service-accounts/jira-bridge/tokens/",
            {"name": "Jira production", "scopes": ["read", "write", "approve"], "days": 365},
            format="json",
            HTTP_IDEMPOTENCY_KEY="jira-bridge-token-1",
        ),
        201,
    )
    subscribed = ok(as_admin.post("/api/v1/webhooks/", {"tenant": "meridian", "url": receiver.url}, format="json"), 201)
    secret = subscribed["secret"]

    # --- From here on, only the tool's token ----------------------------------------------------------
    tool = bearer(issued["token"])
    started = ok(tool.get("/api/v1/projects/", {"tenant": "meridian", "updated_since": "2000-01-01T00:00:00Z"}))
    since = started["changes_until"]  # the tool's first poll: nothing yet

    created = ok(
        tool.post(
            "/api/v1/projects/",
            {"tenant": "meridian", "name": "Claims assistant", "code": "CLAIMS-1", "tickets": [TICKET]},
            format="json",
            HTTP_IDEMPOTENCY_KEY="AI-42-create-1",
        ),
        201,
    )
    assert created["tickets"] == [{**created["tickets"][0], **TICKET}]
    other = ok(
        tool.post(
            "/api/v1/projects/",
            {"tenant": "meridian", "name": "Fraud triage", "code": "FRAUD-1", "tickets": [OTHER_TICKET]},
            format="json",
        ),
        201,
    )
    [found] = ok(tool.get("/api/v1/projects/", {"ticket": "ai-42"}))["results"]  # any case, exact key
    assert found["id"] == created["id"]
    project_url = f"/api/v1/projects/{found['id']}/"

    tag = tool.get(project_url)["ETag"]
    profiled = ok(
        tool.patch(
            project_url,
            {
                "profile": {
                    "data_sensitivity": "confidential",
                    "regulations": ["gdpr"],
                    "residency": "strict",
                    "residency_region": "EU",
                    "monthly_requests": 200000,
                    "monthly_budget": "4000.00",
                }
            },
            format="json",
            HTTP_IF_MATCH=tag,
        )
    )
    assert (profiled["profile"]["residency"], profiled["profile"]["regulations"]) == ("strict", ["gdpr"])

    links = f"{project_url}evidence-links/"
    kept = ok(
        tool.post(
            links,
            {"kind": "contract", "title": "Master services agreement", "reference": "MSA-2026-14"},
            format="json",
        ),
        201,
    )
    dropped = ok(
        tool.post(links, {"kind": "press", "title": "Draft press note", "url": "https://x.example/"}, format="json"),
        201,
    )
    assert tool.delete(f"{links}{dropped['id']}/").status_code == 204
    assert [link["title"] for link in ok(tool.get(project_url))["evidence_links"]] == [kept["title"]]

    ok(
        tool.post(
            f"{project_url}deployment-model/",
            {"deployment_model": "customer_cloud", "environment": ENVIRONMENT},
            format="json",
        )
    )
    # The approver signs in Jira; the tool relays each sign-off, on the environment the approver saw.
    for kind in ("access_pattern", "data_residency"):
        shown = tool.get(project_url)["ETag"]
        ok(
            tool.post(
                f"{project_url}environment/sign-off/",
                {"kind": kind, "on_behalf_of": "meridian-approver"},
                format="json",
                HTTP_IF_MATCH=shown,
            )
        )
    environment = ok(tool.get(project_url))["environment"]
    assert environment["access_approved_by"] == environment["residency_confirmed_by"] == "meridian-approver"

    asking = {"project": found["id"], "note": "Pilot signed off in AI-42"}
    asked = tool.post("/api/v1/approval-requests/", asking, format="json", HTTP_IDEMPOTENCY_KEY="AI-42-promote-1")
    retried = tool.post("/api/v1/approval-requests/", asking, format="json", HTTP_IDEMPOTENCY_KEY="AI-42-promote-1")
    assert (asked.status_code, retried.status_code, retried["Idempotent-Replayed"]) == (201, 201, "true")
    assert retried.json() == asked.json()
    decided = ok(
        tool.post(
            f"/api/v1/approval-requests/{asked.json()['id']}/approve/",
            {"on_behalf_of": "meridian-approver", "comment": "Approved in AI-42"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="AI-42-approve-1",
        )
    )
    assert decided["status"] == "approved"
    assert [(d["approver"], d["relayed_by"]) for d in decided["decisions"]] == [("meridian-approver", "jira-bridge")]

    # --- The changes feed: the project is seen, with its final stage ------------------------------------
    polls = []

    def seen_at_its_final_stage():
        nonlocal since
        seen, since = feed(tool, since)
        polls.append(seen)
        return any(p["id"] == found["id"] and p["stage"] == "proof_of_concept" for p in seen)

    wait_for(seen_at_its_final_stage, "the feed to show the promoted project")
    for seen in polls:  # within one window, a project is listed once
        assert len({p["id"] for p in seen}) == len(seen)
    assert {p["id"] for seen in polls for p in seen} == {found["id"], other["id"]}  # the client's projects
    last_seen = polls[-1][-1]
    assert last_seen["updated_at"] < since  # what the next poll starts from lies past it
    nothing_new, _ = feed(tool, since)
    assert [p for p in nothing_new if p["id"] == found["id"] and p["updated_at"] == last_seen["updated_at"]] == []

    # --- What really happened ------------------------------------------------------------------------
    project = Project.objects.get(pk=found["id"])
    assert (project.stage, project.deployment_model, project.delivery_lead.username) == (
        "proof_of_concept",
        "customer_cloud",
        "jira-bridge",
    )
    assert StageTransition.objects.filter(project=project, to_stage="proof_of_concept").count() == 1
    [decision] = ApprovalDecision.objects.filter(request__project=project)
    assert (decision.approver, decision.relayed_by.username, decision.comment) == (
        approver,
        "jira-bridge",
        "Approved in AI-42",
    )
    events = AuditEvent.objects.filter(project_id=project.pk)
    assert set(events.values_list("source", flat=True)) <= {"api", "system"}
    by_tool = [e.action for e in events.filter(actor_name="jira-bridge", source="api").order_by("pk")]
    for action in ("project.created", "project.profile_updated", "evidence.added", "evidence.removed"):
        assert action in by_tool, action
    assert "approval.requested" in by_tool
    relayed = events.filter(action__in=["environment.signed_off", "approval.decided"]).order_by("pk")
    assert [(e.action, e.actor_name, e.after["relayed_by"], e.source) for e in relayed] == [
        ("environment.signed_off", "meridian-approver", "jira-bridge", "api"),
        ("environment.signed_off", "meridian-approver", "jira-bridge", "api"),
        ("approval.decided", "meridian-approver", "jira-bridge", "api"),
    ]

    # --- The webhooks: every event delivered, signed, in order, routable by its ticket ---------------
    def all_delivered():
        deliveries = WebhookDelivery.objects.all()
        delivered = deliveries.filter(status=WebhookDelivery.Status.DELIVERED).count()
        return delivered == deliveries.count() == len(receiver.requests) > 0

    def deliveries_so_far():
        states = WebhookDelivery.objects.order_by("pk").values_list("pk", "status", "next_attempt_at", "attempts")
        return f"(received {len(receiver.requests)}; deliveries {list(states)})"

    wait_for(all_delivered, "the worker to deliver every webhook", explain=deliveries_so_far)
    verify = load_example().verify
    requests = list(receiver.requests)
    ids = [request["headers"]["X-Stagegate-Delivery"] for request in requests]
    assert len(set(ids)) == len(ids)  # each delivery once
    received = []
    for request in requests:
        event = verify(secret, request["headers"], request["body"])  # raises unless authentic and fresh
        assert event == json.loads(request["body"])
        assert request["headers"]["X-Stagegate-Event"] == event["type"]
        received.append(event)
    actions = {action for _, action in EXPECTED_EVENTS}
    ours = [e for e in received if e["data"]["project_id"] == project.pk and e["data"].get("action") in actions]
    assert [(e["type"], e["data"]["action"]) for e in ours] == EXPECTED_EVENTS
    assert [e["type"] for e in received if e["data"]["project_id"] == other["id"]][:1] == ["project.created"]
    tickets = {project.pk: [TICKET], other["id"]: [OTHER_TICKET]}
    for event in received:  # each routable to its own project's ticket without asking the API
        assert event["data"]["tickets"] == tickets[event["data"]["project_id"]], event["type"]
    signed_off = [e["data"]["after"] for e in ours if e["type"] == "environment.signed_off"]
    assert [(s["kind"], s["by"], s["relayed_by"]) for s in signed_off] == [
        ("access_pattern", "meridian-approver", "jira-bridge"),
        ("data_residency", "meridian-approver", "jira-bridge"),
    ]
    assert [e["data"]["after"]["stage"] for e in ours if e["type"] == "project.stage_changed"] == ["proof_of_concept"]
