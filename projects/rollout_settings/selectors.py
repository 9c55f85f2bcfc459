"""Reads for the approval-policy and freeze-window settings pages of a tenant."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from projects.models import ApprovalPolicy, FreezeWindow, ProjectGroupObjectPermission, ProjectUserObjectPermission
from projects.models.rollout import ELIGIBLE_ROLE_CHOICES, PROMOTION_TARGETS
from tenancy.models import Membership, Tenant


def policy_list(*, tenant: Tenant) -> list[ApprovalPolicy]:
    """The tenant's policies with their named approvers: the default first, then in pipeline order."""
    order = {"": 0, **{stage.value: position for position, stage in enumerate(PROMOTION_TARGETS, start=1)}}
    policies = list(
        ApprovalPolicy.objects.filter(tenant=tenant).prefetch_related(
            Prefetch("eligible_users", queryset=User.objects.order_by("username"))
        )
    )
    roles = dict(ELIGIBLE_ROLE_CHOICES)
    for policy in policies:
        policy.eligible_role_labels = [str(roles.get(role, role)) for role in policy.eligible_roles]
    return sorted(policies, key=lambda policy: order.get(policy.target_stage, len(order)))


def policy_targets_taken(*, tenant: Tenant) -> list[str]:
    """The target stages the tenant has written a policy for ("" for its default)."""
    return list(ApprovalPolicy.objects.filter(tenant=tenant).values_list("target_stage", flat=True))


def policy_get(*, tenant: Tenant, pk: int) -> ApprovalPolicy | None:
    return ApprovalPolicy.objects.filter(tenant=tenant, pk=pk).prefetch_related("eligible_users").first()


def policy_candidates(*, tenant: Tenant, policy: ApprovalPolicy | None = None) -> QuerySet:
    """People who may be named as approvers: the tenant's members and the people granted one of its
    projects (directly or through a group), platform admins, and whoever the policy already names."""
    user = OuterRef("pk")
    condition = (
        Q(Exists(Membership.objects.filter(tenant=tenant, user=user)))
        | Q(Exists(ProjectUserObjectPermission.objects.filter(user=user, content_object__tenant=tenant)))
        | Q(Exists(ProjectGroupObjectPermission.objects.filter(group__user=user, content_object__tenant=tenant)))
        | Q(is_platform_admin=True)
    )
    candidates = Q(condition, is_active=True, kind=User.Kind.PERSON)
    if policy is not None and policy.pk:
        candidates |= Q(pk__in=policy.eligible_users.values("pk"))
    return User.objects.filter(candidates).order_by("username")


def freeze_window_list(*, tenant: Tenant) -> QuerySet:
    return FreezeWindow.objects.filter(tenant=tenant).order_by("-is_active", "name", "pk")


def freeze_window_get(*, tenant: Tenant, pk: int) -> FreezeWindow | None:
    return FreezeWindow.objects.filter(tenant=tenant, pk=pk).first()
