"""Stage-gate evidence over the API: recorded by the delivery side, accepted by the client where
the item is theirs, withdrawn but kept; whether it counts is the readiness engine's own rule."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from assessments.models import GateEvidence
from assessments.services.evaluation import readiness_now
from assessments.services.gates import evidence_record, evidence_withdraw
from audit.models import AuditEvent
from tests.factories import ProjectFactory, TenantFactory
from webhooks.models import WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

WAITING = "the evidence waits for the client's acceptance"
ONLY_THE_CLIENT = "Only the client accepts this evidence: a customer admin or approver of Acme, not the delivery side."


def url(project, pk=None, action=None):
    base = f"/api/v1/projects/{project.pk if hasattr(project, 'pk') else project}/evidence/"
    if pk is not None:
        base += f"{pk}/"
    if action is not None:
        base += f"{action}/"
    return base


def client_today():
    """Today for the ``tenant`` fixture's client (Asia/Bangkok)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Bangkok"))


def state():
    """Everything a refused request must leave as it was."""
    return (
        list(GateEvidence.objects.order_by("pk").values()),
        AuditEvent.objects.filter(action__startswith="gate.").count(),
    )


def checklist_status(project, key):
    result = readiness_now(project=project, target_stage="proof_of_concept")
    return next(item for item in result.checklist if item.key == key).status


def test_recorded_then_accepted_by_the_client_then_withdrawn_and_kept(api, people, project):
    lead, approver, engineer = api(people["lead"]), api(people["approver"]), api(people["engineer"])

    recorded = lead.post(
        url(project),
        {"item": "data_classified", "note": "Agreed in the workshop", "reference": "Minutes 3.2", "expires_on": None},
        format="json",
    )
    assert recorded.status_code == 201, recorded.json()
    body = recorded.json()
    assert recorded["ETag"] == lead.get(url(project, body["id"]))["ETag"]
    assert {key: body[key] for key in ("item", "item_title", "note", "reference", "url", "expires_on")} == {
        "item": "data_classified",
        "item_title": "Data classified",
        "note": "Agreed in the workshop",
        "reference": "Minutes 3.2",
        "url": "",
        "expires_on": None,
    }
    assert (body["recorded_by"], body["accepted_by"], body["withdrawn_by"]) == ("lead", None, None)
    assert (body["current"], body["counts"], body["not_counting_because"]) == (True, False, WAITING)
    assert body["needs_client_acceptance"] is True
    assert checklist_status(project, "data_classified") == "failed"

    accepted = approver.post(url(project, body["id"], "accept"), format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted["ETag"] == approver.get(url(project, body["id"]))["ETag"] != recorded["ETag"]
    body = accepted.json()
    assert (body["accepted_by"], body["counts"], body["not_counting_because"]) == ("approver", True, None)
    assert body["accepted_at"] is not None
    assert checklist_status(project, "data_classified") == "passed"

    withdrawn = engineer.post(url(project, body["id"], "withdraw"), format="json")
    assert withdrawn.status_code == 200, withdrawn.json()
    body = withdrawn.json()
    assert (body["current"], body["withdrawn_by"], body["counts"]) == (False, "engineer", False)
    assert body["not_counting_because"] == "the evidence has been withdrawn"
    assert body["withdrawn_at"] is not None
    assert body["accepted_by"] == "approver"  # the record of what happened stays
    assert checklist_status(project, "data_classified") == "failed"

    listed = lead.get(url(project))
    assert listed.status_code == 200
    assert [(row["id"], row["current"]) for row in listed.json()] == [(body["id"], False)]
    assert GateEvidence.objects.filter(pk=body["id"]).exists()
    assert [event.action for event in AuditEvent.objects.filter(action__startswith="gate.").order_by("pk")] == [
        "gate.evidence_recorded",
        "gate.evidence_accepted",
        "gate.evidence_withdrawn",
    ]


def test_the_list_puts_current_evidence_first_and_filters(api, people, project):
    old = evidence_record(project=project, actor=people["lead"], item="monitoring", note="Old board")
    evidence_withdraw(evidence=old, actor=people["lead"])
    monitoring = evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana board")
    runbook = evidence_record(project=project, actor=people["lead"], item="incident_runbook", note="Runbook v1")
    ProjectFactory(tenant=project.tenant)  # another project's evidence is not listed
    client = api(people["viewer"])

    rows = client.get(url(project)).json()
    assert [row["id"] for row in rows] == [runbook.pk, monitoring.pk, old.pk]
    assert [row["counts"] for row in rows] == [True, True, False]
    assert [row["needs_client_acceptance"] for row in rows] == [False, False, False]
    assert [row["id"] for row in client.get(url(project), {"current": "true"}).json()] == [runbook.pk, monitoring.pk]
    assert [row["id"] for row in client.get(url(project), {"current": "false"}).json()] == [old.pk]
    assert [row["id"] for row in client.get(url(project), {"item": "monitoring"}).json()] == [monitoring.pk, old.pk]

    for query, field in (({"item": "vibes"}, "item"), ({"current": "maybe"}, "current")):
        refused = client.get(url(project), query)
        assert refused.status_code == 400, refused.json()
        assert [item["field"] for item in refused.json()["error"]["fields"]] == [field]


def test_expired_evidence_does_not_count_and_cannot_be_accepted(api, people, project):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    yesterday = client_today() - datetime.timedelta(days=1)
    GateEvidence.objects.filter(pk=evidence.pk).update(expires_on=yesterday)
    approver = api(people["approver"])

    body = approver.get(url(project, evidence.pk)).json()
    assert body["expires_on"] == yesterday.isoformat()
    assert (body["counts"], body["not_counting_because"]) == (False, f"the evidence expired on {yesterday:%-d %B %Y}")

    before = state()
    refused = approver.post(url(project, evidence.pk, "accept"), format="json")
    assert refused.status_code == 400
    assert [item["field"] for item in refused.json()["error"]["fields"]] == ["expires_on"]
    assert state() == before


def test_accepting_an_item_the_delivery_side_owns_or_withdrawn_evidence_is_400(api, people, project):
    monitoring = evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana")
    classified = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    evidence_withdraw(evidence=classified, actor=people["lead"])
    approver = api(people["approver"])
    before = state()
    for evidence, field in ((monitoring, "item"), (classified, "non_field_errors")):
        refused = approver.post(url(project, evidence.pk, "accept"), format="json")
        assert refused.status_code == 400, refused.json()
        assert [item["field"] for item in refused.json()["error"]["fields"]] == [field]
    assert state() == before


@pytest.mark.parametrize("who", ["lead", "engineer", "platform"])
def test_the_delivery_side_may_not_accept_and_is_told_why(api, people, project, who):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    before = state()
    refused = api(people[who]).post(url(project, evidence.pk, "accept"), format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == ONLY_THE_CLIENT
    assert refused.json()["error"]["fields"] == []
    assert state() == before


def test_a_viewer_may_not_record_or_withdraw_and_gets_no_field_errors(api, people, project):
    evidence = evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana")
    viewer = api(people["viewer"])
    before = state()
    for body in ({"item": "monitoring", "note": "Mine"}, {"item": "vibes", "note": "", "url": "nope"}):
        refused = viewer.post(url(project), body, format="json")
        assert refused.status_code == 403
        assert refused.json()["error"] == {
            "status": 403,
            "code": "permission_denied",
            "message": "Your rights on this project do not let you change its technical details.",
            "fields": [],
        }
    refused = viewer.post(url(project, evidence.pk, "withdraw"), format="json")
    assert refused.status_code == 403
    assert (
        refused.json()["error"]["message"] == "Your rights on this project do not let you change its technical details."
    )
    assert state() == before


def test_token_scopes_read_write_and_approve_as_for_approval_decisions(api, people, project):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    before = state()
    read_only = api(people["lead"], scopes=("read",))
    assert read_only.get(url(project)).status_code == 200
    assert read_only.post(url(project), {"item": "monitoring", "note": "x"}, format="json").status_code == 403
    assert read_only.post(url(project, evidence.pk, "withdraw"), format="json").status_code == 403
    no_approve = api(people["approver"], scopes=("read", "write"))
    refused = no_approve.post(url(project, evidence.pk, "accept"), format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "This token's scopes do not allow this request."
    assert state() == before
    assert (
        api(people["approver"], scopes=("read", "approve")).post(url(project, evidence.pk, "accept")).status_code == 200
    )


def test_another_clients_project_and_an_unknown_one_get_the_same_404(api, people, project):
    theirs = ProjectFactory(tenant=TenantFactory(slug="theirs"), code="THEIR-1")
    their_evidence = evidence_record(
        project=theirs, actor=people["platform"], item="data_classified", note="Their secret"
    )
    unknown = theirs.pk + 1000
    before = state()
    for who in ("lead", "approver", "viewer"):
        client = api(people[who])
        for project_id, evidence_id in ((theirs.pk, their_evidence.pk), (unknown, their_evidence.pk)):
            answers = [
                client.get(url(project_id)),
                client.post(url(project_id), {"item": "monitoring", "note": "x"}, format="json"),
                client.get(url(project_id, evidence_id)),
                client.post(url(project_id, evidence_id, "accept"), format="json"),
                client.post(url(project_id, evidence_id, "withdraw"), format="json"),
            ]
            for answer in answers:
                assert answer.status_code == 404, (who, answer.request["PATH_INFO"], answer.content)
                assert answer.content == answers[0].content
        # Their evidence under our own project is not ours either.
        for answer in (
            client.get(url(project, their_evidence.pk)),
            client.post(url(project, their_evidence.pk, "accept"), format="json"),
            client.post(url(project, their_evidence.pk, "withdraw"), format="json"),
        ):
            assert answer.status_code == 404
            assert answer.content == answers[0].content
    assert state() == before


def test_evidence_of_another_project_of_the_same_client_is_404_under_this_one(api, people, project):
    sibling = ProjectFactory(tenant=project.tenant, delivery_lead=people["lead"])
    evidence = evidence_record(project=sibling, actor=people["lead"], item="data_classified", note="Agreed")
    before = state()
    assert api(people["lead"]).get(url(project, evidence.pk)).status_code == 404
    assert api(people["approver"]).post(url(project, evidence.pk, "accept"), format="json").status_code == 404
    assert api(people["engineer"]).post(url(project, evidence.pk, "withdraw"), format="json").status_code == 404
    assert state() == before
    assert api(people["lead"]).get(url(sibling, evidence.pk)).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"item": "vibes", "note": "x"}, "item"),
        ({"item": "environment_complete", "note": "x"}, "item"),  # a rule checks it, not evidence
        ({"note": "x"}, "item"),
        ({"item": "monitoring", "note": ""}, "note"),
        ({"item": "monitoring", "note": "   "}, "note"),
        ({"item": "monitoring"}, "note"),
        ({"item": "monitoring", "note": "x", "url": "not a link"}, "url"),
        ({"item": "monitoring", "note": "x", "url": "javascript:alert(1)"}, "url"),
        ({"item": "monitoring", "note": "x", "reference": "r" * 201}, "reference"),
        ({"item": "monitoring", "note": "x", "expires_on": "yesterday"}, "expires_on"),
        ({"item": "monitoring", "note": "x", "expires_on": "garbage"}, "expires_on"),
        ({"item": "monitoring", "note": "x", "expires_on": "2030-02-30"}, "expires_on"),
        ({"item": "monitoring", "note": "x", "expires_on": "2030-01-01T10:00:00"}, "expires_on"),
        ({"item": "monitoring", "note": "x", "expires_on": "2030-01-01T10:00:00+07:00"}, "expires_on"),
        ({"item": "monitoring", "note": "x", "expires_on": ""}, "expires_on"),
        ({"item": "monitoring", "note": "x", "expires_on": 20300101}, "expires_on"),
    ],
)
def test_bad_evidence_is_400_naming_the_field_and_changes_nothing(api, people, project, body, field):
    if body.get("expires_on") == "yesterday":
        body = {**body, "expires_on": (client_today() - datetime.timedelta(days=1)).isoformat()}
    before = state()
    refused = api(people["lead"]).post(url(project), body, format="json")
    assert refused.status_code == 400, refused.content
    assert [item["field"] for item in refused.json()["error"]["fields"]] == [field]
    assert state() == before


def test_the_services_own_words_for_a_blank_note_and_a_past_expiry(api, people, project):
    lead = api(people["lead"])
    blank = lead.post(url(project), {"item": "monitoring", "note": " "}, format="json").json()["error"]
    assert blank["message"] == "note: Say what the evidence is."
    yesterday = (client_today() - datetime.timedelta(days=1)).isoformat()
    past = lead.post(url(project), {"item": "monitoring", "note": "x", "expires_on": yesterday}, format="json")
    assert "The expiry date is in the past" in past.json()["error"]["message"]
    today = lead.post(
        url(project), {"item": "monitoring", "note": "x", "expires_on": client_today().isoformat()}, format="json"
    )
    assert today.status_code == 201, today.json()
    assert today.json()["counts"] is True


def test_a_replayed_post_answers_the_same_and_records_once(api, people, project):
    lead, approver = api(people["lead"]), api(people["approver"])
    body = {"item": "data_classified", "note": "Agreed", "url": "https://wiki.example.org/data"}
    first = lead.post(url(project), body, format="json", HTTP_IDEMPOTENCY_KEY="AI-7-evidence")
    again = lead.post(url(project), body, format="json", HTTP_IDEMPOTENCY_KEY="AI-7-evidence")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true"
    assert GateEvidence.objects.count() == 1
    assert AuditEvent.objects.filter(action="gate.evidence_recorded").count() == 1
    other = lead.post(url(project), {**body, "note": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="AI-7-evidence")
    assert other.status_code == 422

    accept = url(project, first.json()["id"], "accept")
    accepted = approver.post(accept, format="json", HTTP_IDEMPOTENCY_KEY="AI-7-accept")
    replayed = approver.post(accept, format="json", HTTP_IDEMPOTENCY_KEY="AI-7-accept")
    assert accepted.status_code == replayed.status_code == 200
    assert replayed.json() == accepted.json()
    assert replayed["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="gate.evidence_accepted").count() == 1


@pytest.mark.parametrize(("who", "action"), [("approver", "accept"), ("engineer", "withdraw")])
def test_a_stale_if_match_is_412_and_changes_nothing(api, people, project, who, action):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    client = api(people[who])
    current = client.get(url(project, evidence.pk))["ETag"]
    stale = api(people["lead"]).post(url(project), {"item": "data_classified", "note": "Agreed, v2"}, format="json")
    assert stale.status_code == 201
    assert stale.json()["id"] == evidence.pk
    before = state()
    for tag in (current, f"W/{stale['ETag']}"):
        refused = client.post(url(project, evidence.pk, action), format="json", HTTP_IF_MATCH=tag)
        assert refused.status_code == 412
        assert refused.json()["error"]["code"] == "precondition_failed"
        assert state() == before
    done = client.post(url(project, evidence.pk, action), format="json", HTTP_IF_MATCH=f'"x", {stale["ETag"]}')
    assert done.status_code == 200, done.json()
    assert done["ETag"] == client.get(url(project, evidence.pk))["ETag"] != stale["ETag"]


def test_the_list_runs_the_same_queries_for_one_row_and_for_many(api, people, project, django_assert_num_queries):
    evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana")
    client = api(people["viewer"])
    assert client.get(url(project)).status_code == 200  # the token's first use is written once
    # The token, the reader's memberships and grants (read once per request), the project and its client,
    # the evidence.
    with django_assert_num_queries(5) as one:
        assert len(client.get(url(project)).json()) == 1
    for n, item in enumerate(["data_classified", "rollback_plan", "incident_runbook", "token_cost_controls"]):
        recorder = people["lead"] if n % 2 else people["engineer"]
        evidence = evidence_record(project=project, actor=recorder, item=item, note=f"Evidence {n}")
        if item == "data_classified":
            evidence_record(project=project, actor=people["lead"], item=item, note="v2")
        evidence_withdraw(evidence=evidence, actor=people["lead2"])
        evidence_record(project=project, actor=recorder, item=item, note=f"Again {n}")
    GateEvidence.objects.filter(item="rollback_plan", withdrawn_at=None).update(
        accepted_by=people["approver"], accepted_at=timezone.now()
    )
    with django_assert_num_queries(len(one.captured_queries)):
        rows = client.get(url(project)).json()
    assert len(rows) == 9
    assert {row["recorded_by"] for row in rows} == {"lead", "engineer"}
    assert {row["accepted_by"] for row in rows} == {None, "approver"}
    assert {row["withdrawn_by"] for row in rows} == {None, "lead2"}


def test_evidence_changes_are_webhook_events(api, people, tenant, project):
    WebhookEndpoint.objects.create(tenant=tenant, url="https://hooks.example.org/x", secret="s")
    recorded = api(people["lead"]).post(url(project), {"item": "data_classified", "note": "Agreed"}, format="json")
    evidence_url = url(project, recorded.json()["id"])
    api(people["approver"]).post(f"{evidence_url}accept/", format="json")
    api(people["engineer"]).post(f"{evidence_url}withdraw/", format="json")
    assert list(WebhookEvent.objects.order_by("pk").values_list("event_type", flat=True)) == [
        "gate.evidence_recorded",
        "assessment.completed",  # each change re-runs the stored assessment
        "gate.evidence_accepted",
        "assessment.completed",
        "gate.evidence_withdrawn",
        "assessment.completed",
    ]
