"""Writes on tenants, people and tenant-wide roles. Every role grant is audited."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.tokens import token_digest
from audit.services import audit_record, changes, snapshot
from tenancy.access import Action, require
from tenancy.models import Membership, Role, Tenant


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


#: A client's details that can be changed after its creation (its tenant-owned rows keep pointing at it).
TENANT_FIELDS = ["name", "slug", "industry", "regulations", "residency_region", "time_zone", "is_active"]


@transaction.atomic
def tenant_update(*, tenant: Tenant, actor: User | None = None, **fields) -> Tenant:
    """Change a client's details (platform admins only: a client cannot rename or deactivate itself);
    the event records the fields that changed, before and after."""
    if actor is not None and not actor.is_platform_admin:
        raise PermissionDenied("Only platform admins change a client's details.")
    unknown = sorted(set(fields) - set(TENANT_FIELDS))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."), code="not_editable")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = snapshot(tenant, TENANT_FIELDS)
    for name, value in fields.items():
        setattr(tenant, name, list(value) if name == "regulations" else value)
    tenant.full_clean()
    before, after = changes(before, snapshot(tenant, TENANT_FIELDS))
    if after:
        tenant.save(update_fields=list(after))
        audit_record(action="tenant.updated", obj=tenant, actor=actor, before=before, after=after)
    return tenant


@transaction.atomic
def membership_grant(
    *, tenant: Tenant, user: User, role: Role, all_projects: bool = True, actor: User | None = None
) -> Membership:
    """Give ``user`` the tenant-wide ``role`` in ``tenant``, replacing the role they had there."""
    if actor is not None:
        require(actor, tenant, Action.MANAGE)
    existing = Membership.objects.select_for_update().filter(tenant=tenant, user=user).first()
    if existing is not None and Role(role) != Role.CUSTOMER_ADMIN:
        _keep_a_customer_admin(existing)
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
def membership_add(
    *, tenant: Tenant, user: User, role: Role, all_projects: bool = True, actor: User | None = None
) -> Membership:
    """Give ``user`` a first role in ``tenant``. Someone who has one there already is refused (on
    ``person``): their role is changed instead (``membership_grant``), never silently replaced.

    The tenant's row is locked first, so two admins adding the same person at once get one
    membership and one refusal."""
    if actor is not None:
        require(actor, tenant, Action.MANAGE)
    list(Tenant.objects.select_for_update().filter(pk=tenant.pk).values_list("pk"))
    existing = Membership.objects.filter(tenant=tenant, user=user).first()
    if existing is not None:
        message = (
            f"{user.get_username()} is already a {existing.get_role_display().lower()} here: change their role instead."
        )
        raise ValidationError({"person": ValidationError(message, code="already_member")})
    return membership_grant(tenant=tenant, user=user, role=role, all_projects=all_projects, actor=actor)


@transaction.atomic
def membership_revoke(*, tenant: Tenant, user: User, actor: User | None = None) -> None:
    if actor is not None:
        require(actor, tenant, Action.MANAGE)
    membership = Membership.objects.select_for_update().filter(tenant=tenant, user=user).first()
    if membership is None:
        return
    _keep_a_customer_admin(membership)
    audit_record(
        action="access.role_revoked",
        obj=membership,
        actor=actor,
        before={**snapshot(membership, ["role", "all_projects"]), "user": user.get_username()},
    )
    membership.delete()


def _keep_a_customer_admin(leaving: Membership) -> None:
    """Refuse to take away the last customer admin (a person) of a tenant: nobody could manage it any more.

    The tenant's admin memberships are locked first, so two admins removing each other at the same
    time cannot both succeed."""
    if leaving.role != Role.CUSTOMER_ADMIN:
        return
    admins = Membership.objects.select_for_update(of=("self",)).filter(
        tenant_id=leaving.tenant_id, role=Role.CUSTOMER_ADMIN, user__is_active=True, user__kind=User.Kind.PERSON
    )
    if not any(admin.pk != leaving.pk for admin in admins):
        message = (
            f"{leaving.user.get_username()} is the last customer admin of this client: make someone else "
            "customer admin first."
        )
        raise ValidationError({"user": ValidationError(message, code="last_customer_admin")})


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


@transaction.atomic
def token_issue(
    *, user: User, name: str, scopes=("read",), days: int | None = None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Issue a bearer token; returns the record and the token itself, which is shown only this once.

    A person issues their own tokens; a customer admin (or platform admin) issues tokens for the
    service accounts of their tenant.
    """
    actor = actor or user
    if actor.pk != user.pk:
        membership = Membership.objects.filter(user=user).select_related("tenant").first()
        if not user.is_service_account or membership is None:
            raise PermissionDenied("Tokens for someone else can only be issued for a service account.")
        require(actor, membership.tenant, Action.MANAGE)
    unknown = sorted(set(scopes) - set(ApiToken.Scope.values))
    if unknown or not scopes:
        message = f"Choose from: {', '.join(ApiToken.Scope.values)}."
        raise ValidationError({"scopes": ValidationError(message, code="invalid_choice")})
    days = days or settings.API_TOKEN_DEFAULT_DAYS
    if not 1 <= days <= 366:
        raise ValidationError({"days": ValidationError("A token lives between 1 and 366 days.", code="out_of_range")})
    prefix = secrets.token_hex(6)
    token = f"sg_{prefix}_{secrets.token_urlsafe(32)}"
    record = ApiToken.objects.create(
        user=user,
        name=name[:100] or "API token",
        prefix=prefix,
        digest=token_digest(token),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + datetime.timedelta(days=days),
        created_by=actor,
    )
    membership = Membership.objects.filter(user=user).first()
    audit_record(
        action="token.issued",
        obj=record,
        actor=actor,
        tenant_id=membership.tenant_id if user.is_service_account and membership else None,
        after={
            "user": user.get_username(),
            "name": record.name,
            "scopes": record.scopes,
            "expires_at": record.expires_at,
        },
    )
    return record, token


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if actor.pk != token.user_id and not actor.is_platform_admin:
        membership = Membership.objects.filter(user=token.user).select_related("tenant").first()
        if membership is None:
            raise PermissionDenied
        require(actor, membership.tenant, Action.MANAGE)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="token.revoked", obj=token, actor=actor, after={"name": token.name})
    return token
