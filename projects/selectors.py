"""Reads on projects and approvals. Visibility always comes from ``accounts.access``."""

from django.db.models import Exists, OuterRef, Prefetch

from accounts.access import Action, restrict
from accounts.models import Membership, Tenant
from projects.approval_rules import Approver, refusal
from projects.models import ApprovalDecision, ApprovalRequest, Project, StageTransition


def project_list(*, user, action: Action = Action.VIEW, tenant: Tenant | None = None):
    """Projects ``user`` may act on, with tenant, lead, environment and pending request: fixed query count."""
    projects = restrict(
        Project.objects.select_related("tenant", "delivery_lead", "environment"), user=user, action=action
    ).prefetch_related(
        Prefetch(
            "approval_requests",
            queryset=ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING).select_related(
                "requested_by"
            ),
            to_attr="pending_requests",
        )
    )
    if tenant is not None:
        projects = projects.filter(tenant=tenant)
    return projects.order_by("tenant__name", "name", "pk")


def tenant_list(*, user, action: Action = Action.VIEW):
    return restrict(Tenant.objects.all(), user=user, action=action).order_by("name")


def stage_history(*, user, project: Project):
    return restrict(
        StageTransition.objects.filter(project=project).select_related("actor", "approval_request"), user=user
    ).order_by("created_at", "pk")


def approval_inbox(*, user) -> list[ApprovalRequest]:
    """Pending requests ``user`` may still decide: eligible under the request's policy, not yet decided,
    and not their own unless the policy allows it. A fixed number of queries whatever the number of requests."""
    if not user.is_authenticated:
        return []
    candidates = (
        restrict(ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING), user=user)
        .annotate(decided=Exists(ApprovalDecision.objects.filter(request=OuterRef("pk"), approver=user)))
        .filter(decided=False)
        .select_related("project", "tenant", "requested_by")
        .order_by("expires_at", "pk")
    )
    roles_by_tenant = dict(Membership.objects.filter(user=user).values_list("tenant_id", "role"))
    approvable = set(restrict(Project.objects.all(), user=user, action=Action.APPROVE).values_list("pk", flat=True))
    promotable = set(restrict(Project.objects.all(), user=user, action=Action.PROMOTE).values_list("pk", flat=True))
    inbox = []
    for request in candidates:
        approver = Approver(
            user_id=user.pk,
            is_platform_admin=user.is_platform_admin,
            membership_role=roles_by_tenant.get(request.tenant_id),
            granted_approve=request.project_id in approvable,
            granted_promote=request.project_id in promotable,
        )
        if refusal(policy=request.policy, approver=approver, requested_by_id=request.requested_by_id) is None:
            inbox.append(request)
    return inbox
