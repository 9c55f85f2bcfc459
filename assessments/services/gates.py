"""Stage gates: the evidence a team records to satisfy a checklist item of the readiness engine,
and the readiness a promotion request is made with (registered with ``projects.readiness_gate``
when the app starts)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments import readiness
from assessments.models import Assessment, GateEvidence
from assessments.selectors import latest_assessment, latest_estimate, may_accept_evidence
from assessments.services.assessments import assessments_run, evidence_not_counting
from assessments.services.evaluation import readiness_now
from audit.services import audit_record
from core.moments import client_today
from projects.models import Project
from projects.readiness_gate import PromotionReadiness
from projects.signals import project_inputs_changed
from tenancy.access import Action, require

#: The checklist items evidence can satisfy (the others are checked by rules on the project's data).
EVIDENCE_ITEMS = {gate.key: gate.title for gate in readiness.GATES if gate.check is None}
EVIDENCE_FIELDS = ("note", "url", "reference", "expires_on")


@transaction.atomic
def evidence_record(
    *, project: Project, actor, item: str, note: str, url: str = "", reference: str = "", expires_on=None
) -> GateEvidence:
    """Record what satisfies one checklist item (``Action.CHANGE_TECHNICAL``), replacing what the
    item had. For an item the client confirms, a change needs the client's acceptance again."""
    require(actor, project, Action.CHANGE_TECHNICAL)
    if item not in EVIDENCE_ITEMS:
        raise ValidationError(
            {"item": f"Not a checklist item that takes evidence. Choose one of: {', '.join(EVIDENCE_ITEMS)}."}
        )
    if not note.strip():
        raise ValidationError({"note": "Say what the evidence is."})
    if expires_on is not None and expires_on < project_today(project):
        raise ValidationError({"expires_on": "The expiry date is in the past: give today or a later day, or none."})
    # Created under the (project, item) constraint on current evidence, then locked: two people
    # recording the same item at once both succeed, the second changing what the first recorded.
    evidence, created = GateEvidence.objects.get_or_create(
        project=project,
        item=item,
        withdrawn_at=None,
        defaults={"tenant_id": project.tenant_id, "note": note, "recorded_by": actor},
    )
    if not created:
        evidence = GateEvidence.objects.select_for_update().get(pk=evidence.pk)
    before = None if created else _state(evidence)
    recorded = (note, url, reference, expires_on)
    if tuple(getattr(evidence, name) for name in EVIDENCE_FIELDS) != recorded:
        evidence.accepted_by = evidence.accepted_at = None  # what the client accepted has changed
    evidence.note, evidence.url, evidence.reference, evidence.expires_on = recorded
    evidence.recorded_by = actor
    evidence.full_clean()
    evidence.save()
    audit_record(action="gate.evidence_recorded", obj=evidence, actor=actor, before=before, after=_state(evidence))
    _changed(evidence)
    return evidence


@transaction.atomic
def evidence_accept(*, evidence: GateEvidence, actor) -> GateEvidence:
    """The client's acceptance of evidence for an item that is theirs to confirm: a customer admin
    or approver of the project's client (``Action.APPROVE``); the delivery side cannot accept."""
    evidence = GateEvidence.objects.select_for_update().select_related("project").get(pk=evidence.pk)
    project = evidence.project
    require(actor, project, Action.VIEW)
    if not may_accept_evidence(actor, project):
        raise PermissionDenied(
            "Only the client accepts this evidence: a customer admin or approver of "
            f"{project.tenant.name}, not the delivery side."
        )
    if evidence.item not in readiness.CLIENT_ACCEPTED:
        raise ValidationError({"item": "This item does not need the client's acceptance."})
    if evidence.withdrawn_at is not None:
        raise ValidationError("This evidence has been withdrawn: there is nothing to accept.")
    if evidence.expires_on is not None and evidence.expires_on < project_today(project):
        raise ValidationError({"expires_on": "This evidence has expired: it has to be recorded again first."})
    if evidence.accepted_at is None:
        evidence.accepted_by, evidence.accepted_at = actor, timezone.now()
        evidence.save(update_fields=["accepted_by", "accepted_at"])
        audit_record(action="gate.evidence_accepted", obj=evidence, actor=actor, after=_state(evidence))
        _changed(evidence)
    return evidence


@transaction.atomic
def evidence_withdraw(*, evidence: GateEvidence, actor) -> GateEvidence:
    """Take evidence back: it stops counting and stays on record, with who withdrew it and when."""
    evidence = GateEvidence.objects.select_for_update().select_related("project").get(pk=evidence.pk)
    require(actor, evidence.project, Action.CHANGE_TECHNICAL)
    if evidence.withdrawn_at is None:
        evidence.withdrawn_by, evidence.withdrawn_at = actor, timezone.now()
        evidence.save(update_fields=["withdrawn_by", "withdrawn_at"])
        audit_record(action="gate.evidence_withdrawn", obj=evidence, actor=actor, before=_state(evidence))
        _changed(evidence)
    return evidence


def evidence_not_counting_because(evidence: GateEvidence, *, today) -> str | None:
    """Why ``evidence`` does not satisfy its checklist item on ``today``, or None when it does:
    withdrawn evidence never counts; current evidence by the engine's rule (``evidence_not_counting``)."""
    if not evidence.is_current:
        return "the evidence has been withdrawn"
    return evidence_not_counting(evidence.item, evidence.expires_on, evidence.accepted_at is not None, today)


def project_today(project: Project):
    """Today in the client's time zone: the day evidence expiry is measured against."""
    return client_today(project.tenant.time_zone)


def _state(evidence: GateEvidence) -> dict:
    return {
        "item": evidence.item,
        "note": evidence.note,
        "url": evidence.url,
        "reference": evidence.reference,
        "expires_on": evidence.expires_on.isoformat() if evidence.expires_on else None,
        "accepted": evidence.accepted_at is not None,
    }


def _changed(evidence: GateEvidence) -> None:
    """Evidence changes readiness: the stored assessment follows at once (the page and the API
    answer with the new result), and whatever else listens to the project's inputs is told."""
    assessments_run([evidence.project_id])
    project_inputs_changed.send(sender=Project, project_id=evidence.project_id)


def promotion_readiness(*, project: Project, target_stage: str) -> PromotionReadiness:
    """What an approval request for ``target_stage`` is made with: readiness evaluated now
    (``readiness_now``: the stored assessment may predate the last edit), the latest stored
    assessment for that stage for reference, and the latest estimate's figures."""
    live = readiness_now(project=project, target_stage=target_stage)
    stored = latest_assessment(project=project, target_stage=target_stage)
    estimate = latest_estimate(project=project)
    return PromotionReadiness(
        status=live.status if live else None,
        status_label=dict(Assessment.Status.choices)[live.status] if live else "",
        blocking=live.blocking if live else [],
        assessment_id=stored.pk if stored else None,
        estimate={
            "id": estimate.pk,
            "chosen_monthly": str(estimate.chosen_monthly),
            "cheapest": estimate.cheapest,
            "created_at": estimate.created_at.isoformat(),
        }
        if estimate
        else None,
    )
