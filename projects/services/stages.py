"""The rollout state machine: the only code that changes a project's stage.

    discovery → proof of concept → pilot → rollout → production      (forward: approved requests only)
    any earlier pipeline stage ←  rollback  (delivery lead, reason)
    paused ← pause (delivery lead, reason); paused → the stage it left: a promotion, so approved
    retired ← any stage (delivery lead, reason); retired is final

Each move runs in one transaction with the project row locked, writes one ``StageTransition``
and one audit event, and closes a pending approval request that no longer applies.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from core.wording import listed
from projects.models import PIPELINE, ApprovalRequest, Project, Stage, StageTransition
from projects.signals import project_inputs_changed
from tenancy.access import Action, require


def promotion_target(project: Project) -> Stage | None:
    """The stage a promotion of ``project`` would lead to, or None if it cannot be promoted."""
    if project.stage == Stage.PAUSED:
        return Stage(project.stage_before_pause) if project.stage_before_pause else None
    if project.stage in PIPELINE and project.stage != Stage.PRODUCTION:
        return PIPELINE[PIPELINE.index(project.stage) + 1]
    return None


def rollback_targets(project: Project) -> list[Stage]:
    """The earlier pipeline stages ``project`` may be rolled back to."""
    current = project.stage_before_pause if project.stage == Stage.PAUSED else project.stage
    if current not in PIPELINE:
        return []
    return list(PIPELINE[: PIPELINE.index(current)])


@transaction.atomic
def project_rollback(*, project: Project, actor: User, to_stage: str, reason: str) -> StageTransition:
    """Move back to an earlier pipeline stage. Delivery lead (``Action.PROMOTE``), with a reason."""
    project = lock_project(project)
    require(actor, project, Action.PROMOTE)
    _require_reason(reason)
    if to_stage not in rollback_targets(project):
        allowed = listed(stage.label for stage in rollback_targets(project)) or "none"
        raise ValidationError(
            {"to_stage": f"A {project.get_stage_display()} project can roll back only to: {allowed}."},
            code="invalid_transition",
        )
    return _finish(project, to_stage=Stage(to_stage), kind=StageTransition.Kind.ROLLBACK, actor=actor, reason=reason)


@transaction.atomic
def project_pause(*, project: Project, actor: User, reason: str) -> StageTransition:
    """Pause a project in the pipeline. Delivery lead (``Action.PROMOTE``), with a reason."""
    project = lock_project(project)
    require(actor, project, Action.PROMOTE)
    _require_reason(reason)
    if project.stage not in PIPELINE:
        raise ValidationError(
            {"stage": f"A {project.get_stage_display()} project cannot be paused."}, code="invalid_transition"
        )
    return _finish(project, to_stage=Stage.PAUSED, kind=StageTransition.Kind.PAUSE, actor=actor, reason=reason)


@transaction.atomic
def project_retire(*, project: Project, actor: User, reason: str) -> StageTransition:
    """Retire a project from any stage. Delivery lead (``Action.PROMOTE``), with a reason; final."""
    project = lock_project(project)
    require(actor, project, Action.PROMOTE)
    _require_reason(reason)
    if project.stage == Stage.RETIRED:
        raise ValidationError({"stage": "The project is already retired."}, code="invalid_transition")
    return _finish(project, to_stage=Stage.RETIRED, kind=StageTransition.Kind.RETIREMENT, actor=actor, reason=reason)


def promote(*, project: Project, request: ApprovalRequest, actor: User) -> StageTransition:
    """Apply an approved request. Only ``approvals.approval_decide`` calls this, inside its transaction,
    with the project and the request rows already locked."""
    if project.stage != request.from_stage or promotion_target(project) != request.target_stage:
        raise ValidationError(
            {"target_stage": f"The project is now {project.get_stage_display()}; this request no longer applies."},
            code="stale_request",
        )
    return move(
        project,
        to_stage=Stage(request.target_stage),
        kind=StageTransition.Kind.PROMOTION,
        actor=actor,
        reason=request.note,
        approval_request=request,
    )


def lock_project(project: Project) -> Project:
    """The project row, locked for the rest of the transaction. Lock order: project, then its requests."""
    return Project.objects.select_for_update().get(pk=project.pk)


def move(project, *, to_stage: Stage, kind, actor, reason="", approval_request=None) -> StageTransition:
    from_stage = project.stage
    now = timezone.now()
    transition = StageTransition.objects.create(
        tenant_id=project.tenant_id,
        project=project,
        kind=kind,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=actor,
        reason=reason,
        approval_request=approval_request,
    )
    if to_stage == Stage.PAUSED:
        project.stage_before_pause = from_stage
    elif from_stage == Stage.PAUSED:
        project.stage_before_pause = ""
    project.stage = to_stage
    project.stage_changed_at = now
    project.save(update_fields=["stage", "stage_before_pause", "stage_changed_at", "updated_at"])
    audit_record(
        action="project.stage_changed",
        obj=project,
        actor=actor,
        before={"stage": from_stage},
        after={
            "stage": to_stage,
            "kind": kind,
            "reason": reason,
            "approval_request": approval_request.pk if approval_request else None,
        },
    )
    # The next stage, and so the gate to assess, has changed.
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return transition


def _finish(project, *, to_stage, kind, actor, reason) -> StageTransition:
    """A move made by a person directly: any pending request for the project no longer applies."""
    pending = ApprovalRequest.objects.select_for_update().filter(project=project, status=ApprovalRequest.Status.PENDING)
    for request in pending:
        request.status = ApprovalRequest.Status.CANCELLED
        request.closed_at = timezone.now()
        request.closed_by = actor
        request.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        audit_record(
            action="approval.cancelled",
            obj=request,
            actor=actor,
            before={"status": ApprovalRequest.Status.PENDING},
            after={"status": request.status, "reason": f"Project moved to {to_stage} ({kind})."},
        )
    return move(project, to_stage=to_stage, kind=kind, actor=actor, reason=reason)


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationError({"reason": "A reason is required for this move."}, code="required")
