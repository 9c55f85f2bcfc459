"""If-Match on every write to one object (RFC 9110 §13.1.1): a stale tag is a 412 and changes nothing;
a list of tags matches if one does; ``*`` matches any current object; a weak tag never matches;
a malformed header is a 400 naming it."""

import datetime
import threading

import pytest
from django.db import connection

from assessments.models import GateEvidence
from assessments.services.gates import evidence_record
from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment
from projects.models import ApprovalPolicy, ApprovalRequest, FreezeWindow, HostingApproach, Project
from projects.services.approvals import approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from tenancy.models import Role
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db

ENVIRONMENT = {"provider": "aws", "account_id": "1234", "regions": ["ap-southeast-1"], "access_pattern": "SSO role"}
RULES = [
    {"condition_kind": "data_class", "data_class": "regulated", "destination": "self_hosted", "share_percent": "100"}
]


def _writes(tenant, people, project, api):
    """(name, caller, method, url, body, url whose ETag guards it) for every write to one object."""
    Project.objects.filter(pk=project.pk).update(hosting_approach=HostingApproach.HYBRID)
    approval = approval_request_create(project=project, actor=people["lead"])
    other = approval_request_create(
        project=ProjectFactory(tenant=tenant, delivery_lead=people["lead"]), actor=people["lead"]
    )
    policy = policy_save(tenant=tenant, actor=people["admin"], target_stage="production", required_approvals=1)
    window = freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Weekend",
        kind="weekly",
        start_weekday=4,
        start_time=datetime.time(18),
        end_weekday=0,
        end_time=datetime.time(6),
    )
    hook = api(people["admin"]).post(
        "/api/v1/webhooks/", {"tenant": "acme", "url": "http://127.0.0.1:9/"}, format="json"
    )
    assert hook.status_code == 201, hook.json()
    p = f"/api/v1/projects/{project.pk}/"
    a, o = f"/api/v1/approval-requests/{approval.pk}/", f"/api/v1/approval-requests/{other.pk}/"
    pol, win = f"/api/v1/approval-policies/{policy.pk}/", f"/api/v1/freeze-windows/{window.pk}/"
    hk = f"/api/v1/webhooks/{hook.json()['id']}/"
    classified = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    runbook = evidence_record(project=project, actor=people["lead"], item="incident_runbook", note="Runbook v1")
    ev, rb = f"{p}evidence/{classified.pk}/", f"{p}evidence/{runbook.pk}/"
    switch = {"deployment_model": "customer_cloud", "environment": ENVIRONMENT}
    return [
        ("approve", "approver", "post", f"{a}approve/", {}, a),
        ("cancel", "lead", "post", f"{o}cancel/", None, o),
        ("project", "lead", "patch", p, {"name": "Renamed"}, p),
        ("environment", "lead", "patch", f"{p}environment/", ENVIRONMENT, p),
        ("routing rules", "lead", "put", f"{p}routing-rules/", {"rules": RULES}, p),
        ("deployment model", "lead", "post", f"{p}deployment-model/", switch, p),
        ("pause", "lead", "post", f"{p}pause/", {"reason": "Budget"}, p),
        ("policy", "admin", "patch", pol, {"expiry_hours": 5}, pol),
        ("policy delete", "admin", "delete", pol, None, pol),
        ("freeze window", "admin", "patch", win, {"name": "Weekends"}, win),
        ("freeze window delete", "admin", "delete", win, None, win),
        ("webhook", "admin", "patch", hk, {"description": "CI"}, hk),
        ("webhook delete", "admin", "delete", hk, None, hk),
        ("evidence accept", "approver", "post", f"{ev}accept/", None, ev),
        ("evidence withdraw", "engineer", "post", f"{rb}withdraw/", None, rb),
        ("cost plan", "engineer", "patch", f"{p}cost-plan/", {"staff_fte": "1.5"}, f"{p}cost-plan/"),
    ]


def _state():
    return (
        AuditEvent.objects.count(),
        list(Project.objects.values_list("name", "stage", "deployment_model").order_by("pk")),
        CustomerCloudEnvironment.objects.count(),
        list(ApprovalRequest.objects.values_list("status", flat=True).order_by("pk")),
        list(ApprovalPolicy.objects.values_list("expiry_hours", flat=True)),
        list(FreezeWindow.objects.values_list("name", flat=True)),
        list(GateEvidence.objects.values_list("accepted_at", "withdrawn_at").order_by("pk")),
    )


def test_every_write_to_one_object_refuses_a_stale_or_weak_tag_and_accepts_a_list(
    api, tenant, people, project, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    clients = {}
    for name, caller, method, url, body, tagged in _writes(tenant, people, project, api):
        client = clients.setdefault(caller, api(people[caller]))
        current = client.get(tagged)["ETag"]
        assert current.startswith('"'), name
        for refused in ['"0123456789abcdef0123456789abcdef"', f"W/{current}", f'W/{current}, "stale"']:
            before = _state()
            response = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=refused)
            assert response.status_code == 412, (name, refused, response.content[:300])
            assert response.json()["error"]["code"] == "precondition_failed"
            assert _state() == before, name  # nothing changed, nothing audited
            assert client.get(tagged)["ETag"] == current, name
        malformed = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH="not-quoted")
        assert malformed.status_code == 400, name
        assert malformed.json()["error"]["fields"][0]["field"] == "If-Match"
        accepted = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=f'"stale",  {current} ')
        assert accepted.status_code in {200, 204}, (name, accepted.content[:300])


@pytest.mark.parametrize("method", ["patch", "post"])
def test_a_star_matches_any_current_object(api, people, project, method):
    lead = api(people["lead"])
    p = f"/api/v1/projects/{project.pk}/"
    if method == "patch":
        response = lead.patch(f"{p}environment/", ENVIRONMENT, format="json", HTTP_IF_MATCH="*")
    else:
        response = lead.post(f"{p}pause/", {"reason": "Budget"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200
    assert response["ETag"] == lead.get(p)["ETag"]


def test_the_environment_patch_answers_with_the_new_tag_to_chain_writes(api, people, project):
    lead = api(people["lead"])
    p = f"/api/v1/projects/{project.pk}/"
    first = lead.patch(f"{p}environment/", ENVIRONMENT, format="json", HTTP_IF_MATCH=lead.get(p)["ETag"])
    assert first.status_code == 200
    second = lead.patch(f"{p}environment/", {"account_id": "5678"}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second.json()["environment"]["account_id"] == "5678"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writes_racing_with_the_same_tag_one_wins_the_other_gets_412(api, tenant, project):
    clients = [api(member(tenant, Role.DELIVERY_LEAD, username=f"racer{n}")) for n in range(2)]
    url = f"/api/v1/projects/{project.pk}/"
    etag = clients[0].get(url)["ETag"]
    barrier = threading.Barrier(2)
    answers = []

    def write(client, name):
        try:
            barrier.wait()
            answers.append(client.patch(url, {"name": name}, format="json", HTTP_IF_MATCH=etag).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(client, f"Name {n}")) for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 412]
    assert AuditEvent.objects.filter(action="project.updated").count() == 1
