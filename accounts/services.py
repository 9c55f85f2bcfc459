"""Writes on tenants, people and tenant-wide roles."""

from django.db import transaction

from accounts.models import Membership, Role, Tenant, User


def tenant_create(
    *, name: str, slug: str, industry: str, regulations=(), residency_region: str = "", time_zone: str = "UTC"
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
    return tenant


@transaction.atomic
def membership_grant(*, tenant: Tenant, user: User, role: Role, all_projects: bool = True) -> Membership:
    """Give ``user`` the tenant-wide ``role`` in ``tenant``, replacing the role they had there."""
    membership, _ = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": Role(role), "all_projects": all_projects}
    )
    return membership


def membership_revoke(*, tenant: Tenant, user: User) -> None:
    Membership.objects.filter(tenant=tenant, user=user).delete()


@transaction.atomic
def service_account_create(*, tenant: Tenant, username: str, role: Role) -> User:
    """A non-human member of one tenant that acts through API tokens with ``role``'s rights."""
    account = User(username=username, kind=User.Kind.SERVICE_ACCOUNT, first_name=username)
    account.set_unusable_password()
    account.full_clean()
    account.save()
    membership_grant(tenant=tenant, user=account, role=role)
    return account
