"""The life of an approval request, under the tenant's policy and change freezes
(``projects.services.policies``).

A request is pending → approved | rejected | cancelled | expired. Every function that touches a
request locks the project row first, then the request row, so concurrent decisions, double
submits, cancels and the expiry task are serialised per project: there is never a second stage
change, nor a decision on a closed request. The unique constraints (one pending request per
project, one decision per approver) back this up at the database.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record, snapshot
from projects.approval_rules import Approver, policy_met, refusal
from projects.models import (
    ApprovalDecision,
    ApprovalRequest,
    Project,
    Stage,
)
from projects.readiness_gate import promotion_readiness
from projects.services import stages
from projects.services.policies import freeze_in_force, policy_for
from tenancy.access import Action, allowed_actions, require
from tenancy.models import Membership

#: Promotions into these stages are refused while a change freeze is in force.
FROZEN_TARGETS = {Stage.ROLLOUT, Stage.PRODUCTION}


# --- Requests ---------------------------------------------------------------------------------


@transaction.atomic
def approval_request_create(
    *, project: Project, actor: User, target_stage: str | None = None, note: str = ""
) -> ApprovalRequest:
    """Ask the client to approve the project's next stage. Delivery leads (``Action.PROMOTE``)."""
    project = stages.lock_project(project)
    require(actor, project, Action.PROMOTE)
    target = stages.promotion_target(project)
    if target is None:
        raise ValidationError(
            {"target_stage": f"A {project.get_stage_display()} project cannot be promoted."}, code="invalid_transition"
        )
    if target_stage not in (None, "", target):
        raise ValidationError(
            {"target_stage": f"A {project.get_stage_display()} project can only be promoted to {target.label}."},
            code="invalid_transition",
        )
    pending = ApprovalRequest.objects.filter(project=project, status=ApprovalRequest.Status.PENDING).first()
    if pending is not None:
        raise ValidationError(
            {"project": f"The project already has a pending approval request (#{pending.pk})."}, code="pending_exists"
        )
    policy = policy_for(tenant_id=project.tenant_id, target_stage=target)
    assessment, estimate = _readiness_evidence(project, target, gate_required=policy["readiness_gate_required"])
    request = ApprovalRequest(
        tenant_id=project.tenant_id,
        project=project,
        from_stage=project.stage,
        target_stage=target,
        requested_by=actor,
        note=note,
        snapshot={**_project_facts(project), "assessment": assessment, "estimate": estimate},
        policy=policy,
        expires_at=timezone.now() + datetime.timedelta(hours=policy["expiry_hours"]),
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise ValidationError(
            {"project": "The project already has a pending approval request."}, code="pending_exists"
        ) from None
    audit_record(
        action="approval.requested",
        obj=request,
        actor=actor,
        after={
            "from_stage": request.from_stage,
            "target_stage": target,
            "expires_at": request.expires_at,
            "note": request.note,
        },
    )
    return request


@transaction.atomic
def approval_decide(
    *, request: ApprovalRequest, actor: User, verdict: str, comment: str = "", relayed_by: User | None = None
) -> ApprovalDecision:
    """Record one eligible person's approval or rejection.

    Reject needs a comment and closes the request. Approve closes it once the policy is met
    (N approvals, and one on each side if required), and then applies the stage change in this
    same transaction — refused while a change freeze is in force, unless a platform admin
    overrode it on the request, and, under a policy with the readiness gate on, unless the
    project is still ready for the target stage: the gate guards the move itself, so evidence
    withdrawn or expired (or data changed) while the request waited stops it. The approvals
    before the deciding one, and rejections, change no stage and are taken either way.
    """
    project, request = _lock(request)
    require(actor, project, Action.VIEW)
    if relayed_by is not None:
        relay_check(relayed_by=relayed_by, project=project)
    side = eligibility(actor=actor, request=request, project=project)  # who may decide, before what they sent
    _require_open(request)
    if verdict not in ApprovalDecision.Verdict.values:
        raise ValidationError({"verdict": "Choose approve or reject."}, code="invalid_choice")
    if verdict == ApprovalDecision.Verdict.REJECT and not comment.strip():
        raise ValidationError({"comment": "A rejection needs a comment saying why."}, code="required")
    if request.decisions.filter(approver=actor).exists():
        raise ValidationError({"approver": "You have already decided on this request."}, code="already_decided")

    completes = False
    if verdict == ApprovalDecision.Verdict.APPROVE:
        sides = [
            *request.decisions.filter(verdict=ApprovalDecision.Verdict.APPROVE).values_list("side", flat=True),
            side,
        ]
        completes = policy_met(request.policy, sides)
        if completes:
            _refuse_if_frozen(project, request)
            if request.policy.get("readiness_gate_required"):
                _require_ready(project, Stage(request.target_stage))

    try:
        with transaction.atomic():
            decision = ApprovalDecision.objects.create(
                tenant_id=request.tenant_id,
                request=request,
                approver=actor,
                verdict=verdict,
                side=side,
                comment=comment,
                relayed_by=relayed_by,
            )
            request.save(update_fields=["updated_at"])  # a decision changes the request as read
    except IntegrityError:
        raise ValidationError(
            {"approver": "You have already decided on this request."}, code="already_decided"
        ) from None
    audit_record(
        action="approval.decided",
        obj=decision,
        actor=actor,
        after={
            "verdict": verdict,
            "target_stage": request.target_stage,
            "side": side,
            "comment": comment,
            "relayed_by": relayed_by.get_username() if relayed_by else None,
        },
    )
    if verdict == ApprovalDecision.Verdict.REJECT:
        _close(request, status=ApprovalRequest.Status.REJECTED, actor=actor, action="approval.rejected")
    elif completes:
        _close(request, status=ApprovalRequest.Status.APPROVED, actor=actor, action="approval.approved")
        stages.promote(project=project, request=request, actor=actor)
    return decision


@transaction.atomic
def approval_request_cancel(*, request: ApprovalRequest, actor: User) -> ApprovalRequest:
    """Withdraw a pending request. Only the person who made it (or a platform admin)."""
    project, request = _lock(request)
    require(actor, project, Action.VIEW)
    if actor.pk != request.requested_by_id and not actor.is_platform_admin:
        raise PermissionDenied("Only the person who requested this promotion can cancel it.")
    _require_open(request)
    _close(request, status=ApprovalRequest.Status.CANCELLED, actor=actor, action="approval.cancelled")
    return request


@transaction.atomic
def approval_freeze_override(*, request: ApprovalRequest, actor: User, reason: str) -> ApprovalRequest:
    """Let a pending request go through a change freeze. Platform admins only, with a reason."""
    _project, request = _lock(request)
    if not actor.is_platform_admin:
        raise PermissionDenied("Only a platform admin can override a change freeze.")
    if not reason.strip():
        raise ValidationError({"reason": "Overriding a change freeze needs a reason."}, code="required")
    _require_open(request)
    request.freeze_override_by = actor
    request.freeze_override_reason = reason
    request.save(update_fields=["freeze_override_by", "freeze_override_reason", "updated_at"])
    audit_record(action="approval.freeze_overridden", obj=request, actor=actor, after={"reason": reason})
    return request


def approval_requests_expire(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Close every pending request whose time ran out. Safe to run twice, or beside decisions."""
    now = now or timezone.now()
    expired = 0
    while True:
        due = list(
            ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING, expires_at__lte=now)
            .order_by("pk")
            .values_list("pk", "project_id")[:batch_size]
        )
        if not due:
            return expired
        with transaction.atomic():
            list(
                Project.objects.select_for_update().filter(pk__in={p for _, p in due}).order_by("pk").values_list("pk")
            )
            requests = list(
                ApprovalRequest.objects.select_for_update()
                .filter(pk__in=[r for r, _ in due], status=ApprovalRequest.Status.PENDING, expires_at__lte=now)
                .order_by("pk")
            )
            for request in requests:
                _close(request, status=ApprovalRequest.Status.EXPIRED, actor=None, action="approval.expired", now=now)
            expired += len(requests)
        if len(due) < batch_size:
            return expired


# --- Eligibility ------------------------------------------------------------------------------


def eligibility(*, actor: User, request: ApprovalRequest, project: Project) -> str:
    """The side (client or delivery) ``actor`` approves for, or PermissionDenied if not eligible."""
    membership_role = (
        Membership.objects.filter(user=actor, tenant_id=project.tenant_id).values_list("role", flat=True).first()
    )
    granted = allowed_actions(actor, project) if membership_role is None and not actor.is_platform_admin else set()
    approver = Approver(
        user_id=actor.pk,
        is_platform_admin=actor.is_platform_admin,
        membership_role=membership_role,
        granted_approve=Action.APPROVE in granted,
        granted_promote=Action.PROMOTE in granted,
    )
    reason = refusal(policy=request.policy, approver=approver, requested_by_id=request.requested_by_id)
    if reason:
        raise PermissionDenied(reason)
    return approver.side


# --- Internals --------------------------------------------------------------------------------


def _lock(request: ApprovalRequest) -> tuple[Project, ApprovalRequest]:
    project = Project.objects.select_for_update().select_related("tenant").get(pk=request.project_id)
    return project, ApprovalRequest.objects.select_for_update().get(pk=request.pk)


def relay_check(*, relayed_by: User, project: Project) -> None:
    """Only a service account of the project's tenant may relay a named person's decision."""
    belongs = Membership.objects.filter(user=relayed_by, tenant_id=project.tenant_id).exists()
    if not (relayed_by.is_service_account and belongs):
        raise PermissionDenied("Only this client's service accounts can relay a decision on someone's behalf.")


def _require_open(request: ApprovalRequest) -> None:
    if request.status != ApprovalRequest.Status.PENDING:
        raise ValidationError(
            {"status": f"This request is already {request.get_status_display().lower()}."}, code="closed"
        )
    if request.expires_at <= timezone.now():
        raise ValidationError({"status": "This request has expired."}, code="expired")


def _refuse_if_frozen(project: Project, request: ApprovalRequest) -> None:
    if request.target_stage not in FROZEN_TARGETS or request.freeze_override_by_id:
        return
    window = freeze_in_force(tenant=project.tenant, at=timezone.now())
    if window is not None:
        raise ValidationError(
            {
                "target_stage": f"Change freeze “{window.name}” is in force: promotions into "
                f"{Stage(request.target_stage).label.lower()} wait until it ends, unless a platform admin overrides it."
            },
            code="change_freeze",
        )


def _close(request, *, status, actor, action, now=None) -> None:
    request.status = status
    request.closed_at = now or timezone.now()
    request.closed_by = actor
    request.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    audit_record(action=action, obj=request, actor=actor, before={"status": "pending"}, after={"status": status})


def _readiness_evidence(project: Project, target: Stage, *, gate_required: bool) -> tuple[dict | None, dict | None]:
    """The readiness and estimate the request is made with. Readiness for ``target`` is evaluated
    now, from the project's data as it is, never read from a stored assessment that may predate
    the last edit; with the readiness gate on, the request is refused unless it says ready. ``id``
    names the latest stored assessment for ``target``, for reference."""
    readiness = promotion_readiness(project=project, target_stage=target)
    if gate_required:
        _refuse_unless_ready(readiness, target)
    return (
        {
            "id": readiness.assessment_id,
            "status": readiness.status,
            "target_stage": target.value,
            "blocking": readiness.blocking,
            "assessed_at": timezone.now().isoformat(),
        }
        if readiness.status is not None
        else None,
        readiness.estimate,
    )


def _require_ready(project: Project, target: Stage) -> None:
    """The readiness gate at the deciding approval: ``project`` evaluated now, as at request time."""
    _refuse_unless_ready(promotion_readiness(project=project, target_stage=target), target)


def _refuse_unless_ready(readiness, target: Stage) -> None:
    label = target.label.lower()
    if readiness.status is None:
        raise ValidationError(
            {"target_stage": f"The readiness gate for {label} needs the requirements: record them first."},
            code="readiness_gate",
        )
    if readiness.status != "ready":
        blocking = "; ".join(readiness.blocking) or readiness.status_label
        raise ValidationError(
            {"target_stage": f"The readiness gate for {label} is not passed: {blocking}"},
            code="readiness_gate",
        )


def _project_facts(project: Project) -> dict:
    profile = getattr(project, "profile", None)
    facts = snapshot(project, ["name", "code", "stage", "workload_type", "deployment_model", "hosting_approach"])
    if profile is not None:
        facts["profile"] = snapshot(
            profile,
            [
                "data_sensitivity",
                "data_categories",
                "regulations",
                "residency",
                "residency_region",
                "monthly_requests",
                "target_production_date",
                "monthly_budget",
            ],
        )
    return facts
