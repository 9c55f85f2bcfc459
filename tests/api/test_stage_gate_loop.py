"""The stage-gate loop through the API alone, as a ticketing tool runs it with a service-account token.

The client's admin sets a policy with the readiness gate on and two approvals; the tool (a service
account with the delivery lead's role) creates the project, is refused a promotion while an item
is unmet, records the evidence; a client approver accepts it; the tool asks again; two of the
client's people approve, one of them relayed by the client's own tool; the project moves, and the
request, its summary and the timeline say so. No shell, no admin page.
"""

import pytest

from audit.models import AuditEvent
from tenancy.models import Role
from tenancy.services import service_account_create

pytestmark = pytest.mark.django_db


def fields(response) -> list[str]:
    return [field["field"] for field in response.json()["error"]["fields"]]


def test_a_ticketing_tool_closes_the_loop(api, people, tenant):
    admin = api(people["admin"])
    policy = admin.post(
        "/api/v1/approval-policies/",
        {
            "tenant": tenant.slug,
            "required_approvals": 2,
            "eligible_roles": ["customer_approver", "customer_admin"],
            "readiness_gate_required": True,
        },
        format="json",
    )
    assert policy.status_code == 201, policy.json()

    delivery_bot = service_account_create(
        tenant=tenant, username="jira-delivery", role=Role.DELIVERY_LEAD, actor=people["admin"]
    )
    tool = api(delivery_bot, scopes=("read", "write"))
    created = tool.post(
        "/api/v1/projects/", {"tenant": tenant.slug, "name": "Claims triage", "code": "CLM-1"}, format="json"
    )
    assert created.status_code == 201, created.json()
    project = created.json()["id"]

    refused = tool.post("/api/v1/approval-requests/", {"project": project, "note": "POC ready"}, format="json")
    assert refused.status_code == 400
    assert "Data classified" in refused.json()["error"]["message"]

    evidence = tool.post(
        f"/api/v1/projects/{project}/evidence/",
        {"item": "data_classified", "note": "Classification agreed in the 3 Nov workshop", "reference": "DPA-4"},
        format="json",
    )
    assert evidence.status_code == 201, evidence.json()
    assert evidence.json()["counts"] is False
    assert evidence.json()["not_counting_because"] == "the evidence waits for the client's acceptance"
    assert tool.post(f"/api/v1/projects/{project}/evidence/{evidence.json()['id']}/accept/").status_code == 403

    accepted = api(people["approver"]).post(f"/api/v1/projects/{project}/evidence/{evidence.json()['id']}/accept/")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["counts"] is True

    asked = tool.post("/api/v1/approval-requests/", {"project": project, "note": "POC ready"}, format="json")
    assert asked.status_code == 201, asked.json()
    request = asked.json()
    assert request["snapshot"]["assessment"]["status"] == "ready"
    assert request["summary"]["progress"] == ["0 of 2 approvals"]

    first = api(people["approver"]).post(
        f"/api/v1/approval-requests/{request['id']}/approve/", {"comment": "Looks right"}, format="json"
    )
    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "pending"
    assert first.json()["summary"]["progress"] == ["1 of 2 approvals"]

    client_bot = service_account_create(
        tenant=tenant, username="servicenow-client", role=Role.CUSTOMER_VIEWER, actor=people["admin"]
    )
    relayed = api(client_bot, scopes=("read", "approve")).post(
        f"/api/v1/approval-requests/{request['id']}/approve/",
        {"on_behalf_of": people["admin"].username, "comment": "CAB-118 approved"},
        format="json",
    )
    assert relayed.status_code == 200, relayed.json()
    assert relayed.json()["status"] == "approved"
    assert [(d["approver"], d["relayed_by"]) for d in relayed.json()["decisions"]] == [
        ("approver", None),
        (people["admin"].username, "servicenow-client"),
    ]

    moved = tool.get(f"/api/v1/projects/{project}/")
    assert moved.json()["stage"] == "proof_of_concept"
    actions = list(AuditEvent.objects.filter(project_id=project).order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["approval.decided", "approval.approved", "project.stage_changed"]
    assert "gate.evidence_accepted" in actions


def test_a_rejection_reaches_the_tool_with_its_comment(api, people, tenant, project):
    delivery_bot = service_account_create(
        tenant=tenant, username="jira-delivery", role=Role.DELIVERY_LEAD, actor=people["admin"]
    )
    tool = api(delivery_bot, scopes=("read", "write"))
    asked = tool.post("/api/v1/approval-requests/", {"project": project.pk}, format="json").json()
    rejected = api(people["approver"]).post(
        f"/api/v1/approval-requests/{asked['id']}/reject/", {"comment": "DPIA missing"}, format="json"
    )
    assert rejected.status_code == 200
    seen = tool.get(f"/api/v1/approval-requests/{asked['id']}/").json()
    assert seen["status"] == "rejected"
    assert seen["decisions"][0]["comment"] == "DPIA missing"
    missing = tool.post("/api/v1/approval-requests/", {"project": project.pk}, format="json")
    assert missing.status_code == 201  # a new request may follow a rejection
