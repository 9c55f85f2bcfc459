"""Reads behind a tenant's settings: members and their grants, policies, freezes, webhooks, tokens.

Every function takes a tenant the caller has already been allowed to manage
(``get_for_user_or_404(..., action=Action.MANAGE)``) and answers in a fixed number of queries,
whatever the number of rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import ApiToken, User
from tenancy.access import Action, guarded_models, object_permission_models, restrict
from tenancy.models import Membership, Tenant

#: How a per-project right reads on the members page.
ACTION_WORDS = {
    Action.VIEW: "view",
    Action.CHANGE: "edit",
    Action.CHANGE_TECHNICAL: "edit technical details",
    Action.PROMOTE: "promote",
    Action.APPROVE: "approve",
}


def managed_tenants(*, user) -> QuerySet:
    """The tenants whose settings ``user`` runs: customer admins theirs, platform admins every one."""
    return restrict(Tenant.objects.all(), user=user, action=Action.MANAGE).order_by("name", "pk")


# --- Members ----------------------------------------------------------------------------------


@dataclass
class ProjectGrant:
    project_id: int
    code: str
    name: str
    actions: list[str]

    @property
    def summary(self) -> str:
        return ", ".join(self.actions)


@dataclass
class GrantHolder:
    """Someone with per-project rights in the tenant but no tenant-wide role there."""

    user: User
    grants: list[ProjectGrant] = field(default_factory=list)


def member_list(*, tenant: Tenant) -> tuple[list[Membership], list[GrantHolder]]:
    """Every membership of ``tenant`` with its per-project grants (``membership.project_grants``),
    and the people who reach single projects of the tenant without a membership. Two queries."""
    memberships = list(Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__username", "pk"))
    grants = _project_grants(tenant)
    for membership in memberships:
        membership.project_grants = grants.pop(membership.user_id, {}).get("grants", [])
    holders = [GrantHolder(user=entry["user"], grants=entry["grants"]) for entry in grants.values()]
    holders.sort(key=lambda holder: holder.user.get_username())
    return memberships, holders


def _project_grants(tenant: Tenant) -> dict[int, dict]:
    """Per user id: the user and their grants, one per granted object (in code order).

    Read from the direct object-permission tables of every model that has them (the permission
    service knows which), so tenancy needs no knowledge of projects."""
    people, objects, rights = {}, {}, defaultdict(set)
    for model in guarded_models():
        user_permissions, _ = object_permission_models(model)
        known = {f"{action}_{model._meta.model_name}": action for action in ACTION_WORDS}
        rows = (
            user_permissions.objects.filter(content_object__tenant=tenant)
            .select_related("user", "content_object", "permission")
            .order_by("content_object__code", "pk")
        )
        for row in rows:
            action = known.get(row.permission.codename)
            if action is None:
                continue
            key = (model._meta.label, row.content_object_id)
            people[row.user_id] = row.user
            objects[key] = row.content_object
            rights[(row.user_id, key)].add(action)
    by_user = {user_id: {"user": user, "grants": []} for user_id, user in people.items()}
    for (user_id, key), actions in rights.items():
        granted = objects[key]
        by_user[user_id]["grants"].append(
            ProjectGrant(
                project_id=granted.pk,
                code=granted.code,
                name=granted.name,
                actions=[words for action, words in ACTION_WORDS.items() if action in actions],
            )
        )
    return by_user


def membership_get(*, tenant: Tenant, pk: int) -> Membership | None:
    return Membership.objects.filter(tenant=tenant, pk=pk).select_related("user").first()


def membership_of(*, tenant: Tenant, user: User) -> Membership | None:
    return Membership.objects.filter(tenant=tenant, user=user).first()


def person_find(*, identifier: str) -> User:
    """The one active person whose username or e-mail address is ``identifier`` (any case).

    Service accounts are not found: each belongs to the one tenant it was created in.
    """
    identifier = identifier.strip()
    matches = list(
        User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier), kind=User.Kind.PERSON)[:3]
    )
    exact = [user for user in matches if user.get_username() == identifier]
    if exact:
        matches = exact
    if not matches:
        raise ValidationError(
            {"person": "Nobody has this username or e-mail address. They need an account first."}, code="not_found"
        )
    if len(matches) > 1:
        raise ValidationError(
            {"person": "Several accounts share this e-mail address: give the username instead."}, code="ambiguous"
        )
    if not matches[0].is_active:
        raise ValidationError({"person": "This account is switched off."}, code="inactive")
    return matches[0]


# --- Approval policies and freeze windows -----------------------------------------------------


# --- Webhooks ---------------------------------------------------------------------------------


# --- Service accounts and tokens --------------------------------------------------------------


def service_account_list(*, tenant: Tenant) -> list[Membership]:
    """The tenant's service accounts (as their memberships, for the role), each with every token
    it was issued (``membership.user.tokens``), newest first. Two queries."""
    return list(
        Membership.objects.filter(tenant=tenant, user__kind=User.Kind.SERVICE_ACCOUNT)
        .select_related("user")
        .prefetch_related(
            Prefetch("user__api_tokens", queryset=ApiToken.objects.order_by("-created_at", "-pk"), to_attr="tokens")
        )
        .order_by("user__username", "pk")
    )


def service_account_get(*, tenant: Tenant, pk: int) -> User | None:
    return User.objects.filter(pk=pk, kind=User.Kind.SERVICE_ACCOUNT, memberships__tenant=tenant).first()


def service_token_get(*, tenant: Tenant, pk: int) -> ApiToken | None:
    """A token of one of the tenant's service accounts (never a person's own token)."""
    return (
        ApiToken.objects.filter(pk=pk, user__kind=User.Kind.SERVICE_ACCOUNT, user__memberships__tenant=tenant)
        .select_related("user")
        .first()
    )
