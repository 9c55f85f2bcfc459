"""The rules a tenant writes for its promotions: approval policies by target stage, and
change-freeze windows. Customer admins (``Action.MANAGE``) change them; approval requests read
them (``projects.services.approvals``)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from audit.services import audit_record, changes, snapshot
from projects.approval_rules import CLIENT_SIDE_ROLES, DELIVERY_SIDE_ROLES
from projects.models import ApprovalPolicy, FreezeWindow
from projects.models.rollout import DEFAULT_ELIGIBLE_ROLES
from tenancy.access import Action, require, restrict
from tenancy.models import Membership, Tenant

#: The policy used when a tenant has written none.
BUILT_IN_POLICY = {
    "source": "built-in default",
    "required_approvals": 1,
    "eligible_roles": list(DEFAULT_ELIGIBLE_ROLES),
    "eligible_user_ids": [],
    "require_client_and_delivery": False,
    "requester_may_approve": False,
    "readiness_gate_required": False,
    "expiry_hours": 72,
}
POLICY_FIELDS = [
    "target_stage",
    "required_approvals",
    "eligible_roles",
    "require_client_and_delivery",
    "requester_may_approve",
    "readiness_gate_required",
    "expiry_hours",
]
FREEZE_FIELDS = [
    "name",
    "kind",
    "starts_on",
    "ends_on",
    "start_weekday",
    "start_time",
    "end_weekday",
    "end_time",
    "is_active",
]


def policy_for(*, tenant_id: int, target_stage: str) -> dict:
    """The policy that governs a promotion into ``target_stage``, as the plain data a request keeps."""
    policies = {
        policy.target_stage: policy
        for policy in ApprovalPolicy.objects.filter(
            tenant_id=tenant_id, target_stage__in=[target_stage, ""]
        ).prefetch_related("eligible_users")
    }
    policy = policies.get(target_stage) or policies.get("")
    if policy is None:
        return dict(BUILT_IN_POLICY)
    return {
        "source": f"policy #{policy.pk} ({policy})",
        **snapshot(policy, [field for field in POLICY_FIELDS if field != "target_stage"]),
        "eligible_user_ids": sorted(user.pk for user in policy.eligible_users.all()),
    }


@transaction.atomic
def policy_save(
    *, tenant: Tenant, actor: User, target_stage: str = "", eligible_users=None, **fields
) -> ApprovalPolicy:
    """Create or change the tenant's policy for ``target_stage`` (blank: the default). Customer admins."""
    require(actor, tenant, Action.MANAGE)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of an approval policy."))
    try:
        with transaction.atomic():
            return _policy_write(tenant, actor, target_stage, eligible_users, fields)
    except IntegrityError:
        # ``select_for_update`` locks nothing while the row does not exist, so a concurrent first
        # save can insert it first (ours then waits and fails on the unique constraint): change
        # the policy it created, now there and locked.
        return _policy_write(tenant, actor, target_stage, eligible_users, fields)


def _policy_write(tenant, actor, target_stage, eligible_users, fields) -> ApprovalPolicy:
    policy = ApprovalPolicy.objects.select_for_update().filter(tenant=tenant, target_stage=target_stage).first()
    creating = policy is None
    if creating:
        policy = ApprovalPolicy(tenant=tenant, target_stage=target_stage)
    before = (
        {}
        if creating
        else {**snapshot(policy, POLICY_FIELDS), "eligible_users": _usernames(policy.eligible_users.all())}
    )
    for name, value in fields.items():
        setattr(policy, name, value)
    users = (
        list(eligible_users) if eligible_users is not None else ([] if creating else list(policy.eligible_users.all()))
    )
    # Its one constraint (a policy per tenant and stage) is the database's to keep: see policy_save.
    policy.full_clean(validate_constraints=False)
    _validate_policy_people(policy, users)
    policy.save()
    policy.eligible_users.set(users)
    after = {**snapshot(policy, POLICY_FIELDS), "eligible_users": _usernames(users)}
    before, after = changes(before, after)
    if after:
        audit_record(
            action="policy.created" if creating else "policy.updated",
            obj=policy,
            actor=actor,
            before=None if creating else before,
            after=after,
        )
    return policy


@transaction.atomic
def policy_delete(*, policy: ApprovalPolicy, actor: User) -> None:
    require(actor, policy.tenant, Action.MANAGE)
    audit_record(action="policy.deleted", obj=policy, actor=actor, before=snapshot(policy, POLICY_FIELDS))
    policy.delete()


def _validate_policy_people(policy: ApprovalPolicy, users: list[User]) -> None:
    members = set(
        Membership.objects.filter(tenant_id=policy.tenant_id, user__in=users).values_list("user_id", flat=True)
    )
    # Delivery staff without a membership may be named if they can see this client (few names, few queries).
    strangers = [
        user.get_username()
        for user in users
        if user.pk not in members
        and not restrict(Tenant.objects.filter(pk=policy.tenant_id), user=user, action=Action.VIEW).exists()
    ]
    errors = {}
    if strangers:
        errors["eligible_users"] = ValidationError(
            "Named approvers must be able to see this client: %(names)s cannot.",
            code="cannot_see_client",
            params={"names": ", ".join(strangers)},
        )
    if policy.require_client_and_delivery:
        roles = set(policy.eligible_roles)
        client_possible = roles & CLIENT_SIDE_ROLES or any(user.pk in members for user in users)
        delivery_possible = roles & DELIVERY_SIDE_ROLES or any(
            user.pk not in members or user.is_platform_admin for user in users
        )
        if not (client_possible and delivery_possible):
            errors["require_client_and_delivery"] = ValidationError(
                "Requiring a client-side and a delivery-side approver needs eligible people on both sides.",
                code="unsatisfiable",
            )
    if errors:
        raise ValidationError(errors)


def _usernames(users) -> list[str]:
    return sorted(user.get_username() for user in users)


# --- Freeze windows ---------------------------------------------------------------------------


@transaction.atomic
def freeze_window_save(*, tenant: Tenant, actor: User, window: FreezeWindow | None = None, **fields) -> FreezeWindow:
    """Create (``window`` None) or change a change-freeze window. Customer admins."""
    require(actor, tenant, Action.MANAGE)
    unknown = set(fields) - set(FREEZE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of a freeze window."))
    creating = window is None
    if creating:
        window = FreezeWindow(tenant=tenant)
    else:
        # The stored row, locked: the caller's copy may already carry the changes.
        window = FreezeWindow.objects.select_for_update().get(pk=window.pk)
        if window.tenant_id != tenant.pk:
            raise ValidationError({"window": "This window belongs to another client."})
    before = {} if creating else snapshot(window, FREEZE_FIELDS)
    for name, value in fields.items():
        setattr(window, name, value)
    window.full_clean()
    window.save()
    before, after = changes(before, snapshot(window, FREEZE_FIELDS))
    if after:
        audit_record(
            action="freeze.created" if creating else "freeze.updated",
            obj=window,
            actor=actor,
            before=None if creating else before,
            after=after,
        )
    return window


@transaction.atomic
def freeze_window_delete(*, window: FreezeWindow, actor: User) -> None:
    require(actor, window.tenant, Action.MANAGE)
    audit_record(action="freeze.deleted", obj=window, actor=actor, before=snapshot(window, FREEZE_FIELDS))
    window.delete()


def freeze_in_force(*, tenant: Tenant, at: datetime.datetime) -> FreezeWindow | None:
    """The first active freeze window of ``tenant`` covering the moment ``at``, if any."""
    for window in FreezeWindow.objects.filter(tenant=tenant, is_active=True).order_by("pk"):
        if window.covers(at, tenant.time_zone):
            return window
    return None
