"""Writes on tenants, people and tenant-wide roles. Every role grant is audited."""

from django.db import transaction

from accounts.access import Action, require
from accounts.audit import audit_record, snapshot
from accounts.models import Membership, Role, Tenant, User


@transaction.atomic
def tenant_create(
    *,
    name: str,
    slug: str,
    industry: str,
    regulations=(),
    residency_region: str = "",
    time_zone: str = "UTC",
    actor: User | None = None,
) -> Tenant:
    tenant = Tenant(
        name=name,
        slug=slug,
        industry=industry,
        regulations=list(regulations),
        residency_region=residency_region,
        time_zone=time_zone,
    )
    tenant.full_clean()
    tenant.save()
    audit_record(
        action="tenant.created",
        obj=tenant,
        actor=actor,
        after=snapshot(tenant, ["name", "slug", "industry", "regulations", "residency_region", "time_zone"]),
    )
    return tenant


@transaction.atomic
def membership_grant(
    *, tenant: Tenant, user: User, role: Role, all_projects: bool = True, actor: User | None = None
) -> Membership:
    """Give ``user`` the tenant-wide ``role`` in ``tenant``, replacing the role they had there."""
    if actor is not None:
        require(actor, tenant, Action.MANAGE)
    existing = Membership.objects.select_for_update().filter(tenant=tenant, user=user).first()
    before = snapshot(existing, ["role", "all_projects"]) if existing else None
    membership, _ = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": Role(role), "all_projects": all_projects}
    )
    after = snapshot(membership, ["role", "all_projects"])
    if before != after:
        audit_record(
            action="access.role_granted",
            obj=membership,
            actor=actor,
            before=before,
            after={**after, "user": user.get_username()},
        )
    return membership


@transaction.atomic
def membership_revoke(*, tenant: Tenant, user: User, actor: User | None = None) -> None:
    if actor is not None:
        require(actor, tenant, Action.MANAGE)
    membership = Membership.objects.select_for_update().filter(tenant=tenant, user=user).first()
    if membership is None:
        return
    audit_record(
        action="access.role_revoked",
        obj=membership,
        actor=actor,
        before={**snapshot(membership, ["role", "all_projects"]), "user": user.get_username()},
    )
    membership.delete()


@transaction.atomic
def service_account_create(*, tenant: Tenant, username: str, role: Role, actor: User | None = None) -> User:
    """A non-human member of one tenant that acts through API tokens with ``role``'s rights."""
    if actor is not None:
        require(actor, tenant, Action.MANAGE)
    account = User(username=username, kind=User.Kind.SERVICE_ACCOUNT, first_name=username)
    account.set_unusable_password()
    account.full_clean()
    account.save()
    membership_grant(tenant=tenant, user=account, role=role, actor=actor)
    return account
