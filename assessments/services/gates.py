"""Stage gates: the evidence a team records to satisfy a checklist item of the readiness engine,
and the readiness a promotion request is made with (registered with ``projects.readiness_gate``
when the app starts)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from assessments import readiness
from assessments.models import Assessment, GateEvidence
from assessments.selectors import latest_assessment, latest_estimate
from assessments.services.evaluation import readiness_now
from audit.services import audit_record
from projects.models import Project
from projects.readiness_gate import PromotionReadiness
from projects.signals import project_inputs_changed
from tenancy.access import Action, require

GATE_ITEMS = dict(readiness.gate_keys())


@transaction.atomic
def evidence_record(*, project: Project, actor, item: str, note: str, url: str = "") -> GateEvidence:
    """Record what satisfies one stage-gate item (``Action.CHANGE_TECHNICAL``)."""
    require(actor, project, Action.CHANGE_TECHNICAL)
    if item not in GATE_ITEMS:
        raise ValidationError({"item": f"Not a checklist item. Choose one of: {', '.join(GATE_ITEMS)}."})
    if not note.strip():
        raise ValidationError({"note": "Say what the evidence is."})
    # Created under the (project, item) constraint, then locked: two people recording the same item
    # at once both succeed, the second changing what the first recorded.
    evidence, created = GateEvidence.objects.get_or_create(
        project=project, item=item, defaults={"tenant_id": project.tenant_id, "note": note, "recorded_by": actor}
    )
    if not created:
        evidence = GateEvidence.objects.select_for_update().get(pk=evidence.pk)
    before = None if created else {"note": evidence.note, "url": evidence.url}
    evidence.note, evidence.url, evidence.recorded_by = note, url, actor
    evidence.full_clean()
    evidence.save()
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    audit_record(
        action="gate.evidence_recorded",
        obj=evidence,
        actor=actor,
        before=before,
        after={"item": item, "note": note, "url": url},
    )
    return evidence


@transaction.atomic
def evidence_withdraw(*, evidence: GateEvidence, actor) -> None:
    require(actor, evidence.project, Action.CHANGE_TECHNICAL)
    audit_record(
        action="gate.evidence_withdrawn",
        obj=evidence,
        actor=actor,
        before={"item": evidence.item, "note": evidence.note},
    )
    evidence.delete()
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
