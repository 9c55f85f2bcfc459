"""Gate evidence: recorded by the delivery side, accepted by the client where the item is theirs,
withdrawn but never deleted, and counting only until its expiry date."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import Assessment, GateEvidence
from assessments.services.assessments import assessments_run
from assessments.services.evaluation import readiness_now
from assessments.services.gates import evidence_accept, evidence_record, evidence_withdraw
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def checklist_item(project, key, *, today=TODAY):
    result = readiness_now(project=project, target_stage="proof_of_concept", today=today)
    return next(item for item in result.checklist if item.key == key), result


def test_client_side_evidence_counts_only_once_the_client_accepts_it(project, people):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed in workshop")
    item, result = checklist_item(project, "data_classified")
    assert (item.status, item.detail) == ("failed", "the evidence waits for the client's acceptance")
    assert result.status == "blocked"
    assert item.client_accepts
    assert item.takes_evidence

    evidence_accept(evidence=evidence, actor=people["approver"])
    item, result = checklist_item(project, "data_classified")
    assert item.status == "passed"
    assert result.status == "ready"
    evidence.refresh_from_db()
    assert (evidence.accepted_by, evidence.accepted_at is not None) == (people["approver"], True)


@pytest.mark.parametrize("who", ["lead", "engineer", "platform"])
def test_the_delivery_side_cannot_accept_client_side_evidence(project, people, who):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    actor = people[who]
    with pytest.raises(PermissionDenied, match="Only the client accepts this evidence"):
        evidence_accept(evidence=evidence, actor=actor)
    evidence.refresh_from_db()
    assert evidence.accepted_at is None


def test_a_customer_admin_accepts_too_and_accepting_twice_changes_nothing(project, people):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    first = evidence_accept(evidence=evidence, actor=people["admin"]).accepted_at
    assert evidence_accept(evidence=evidence, actor=people["approver"]).accepted_at == first
    assert AuditEvent.objects.filter(action="gate.evidence_accepted").count() == 1


def test_an_item_the_delivery_side_owns_needs_no_acceptance(project, people):
    evidence = evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana board")
    with pytest.raises(ValidationError) as error:
        evidence_accept(evidence=evidence, actor=people["approver"])
    assert "item" in error.value.message_dict


def test_changing_accepted_evidence_needs_the_client_again(project, people):
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    evidence_accept(evidence=evidence, actor=people["approver"])
    same = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    assert same.pk == evidence.pk
    assert same.accepted_at is not None
    changed = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed, v2")
    assert changed.pk == evidence.pk
    assert changed.accepted_at is None
    assert checklist_item(project, "data_classified")[0].status == "failed"


def test_withdrawn_evidence_stops_counting_and_stays_on_record(project, people):
    evidence = evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana board")
    evidence_withdraw(evidence=evidence, actor=people["engineer"])
    evidence.refresh_from_db()
    assert (evidence.withdrawn_by, evidence.withdrawn_at is not None) == (people["engineer"], True)
    assert GateEvidence.objects.filter(pk=evidence.pk).exists()
    again = evidence_record(project=project, actor=people["lead"], item="monitoring", note="New board")
    assert again.pk != evidence.pk
    kept = [(row.note, row.is_current) for row in GateEvidence.objects.filter(project=project)]
    assert kept == [("New board", True), ("Grafana board", False)]
    with pytest.raises(ValidationError):
        evidence_accept(evidence=evidence, actor=people["approver"])


def test_expired_evidence_fails_its_item_again_with_the_reason(project, people):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    evidence = evidence_record(
        project=project, actor=people["lead"], item="data_classified", note="Agreed", expires_on=tomorrow
    )
    evidence_accept(evidence=evidence, actor=people["approver"])
    assert checklist_item(project, "data_classified", today=tomorrow)[0].status == "passed"
    item, result = checklist_item(project, "data_classified", today=tomorrow + datetime.timedelta(days=1))
    assert item.status == "failed"
    assert item.detail == f"the evidence expired on {tomorrow:%-d %B %Y}"
    assert result.status == "blocked"

    # The nightly run, a day after the expiry, stores the drop; the lead sees why.
    assessments_run([project.pk], today=tomorrow + datetime.timedelta(days=1))
    latest = Assessment.objects.filter(project=project).latest("pk")
    assert latest.status == "blocked"
    assert f"Data classified: the evidence expired on {tomorrow:%-d %B %Y}" in latest.result["blocking"]


def test_bad_evidence_is_refused_with_the_field_and_changes_nothing(project, people):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    cases = [
        ({"item": "vibes", "note": "x"}, "item"),
        ({"item": "environment_complete", "note": "x"}, "item"),  # checked by a rule, not by evidence
        ({"item": "monitoring", "note": " "}, "note"),
        ({"item": "monitoring", "note": "x", "expires_on": yesterday}, "expires_on"),
        ({"item": "monitoring", "note": "x", "url": "not a link"}, "url"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            evidence_record(project=project, actor=people["lead"], **fields)
        assert field in error.value.message_dict, fields
    with pytest.raises(PermissionDenied):
        evidence_record(project=project, actor=people["viewer"], item="monitoring", note="Grafana")
    assert not GateEvidence.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="gate.").exists()
