"""Reads behind a tenant's settings: members and their grants, policies, freezes, webhooks, tokens.

Every function takes a tenant the caller has already been allowed to manage
(``get_for_user_or_404(..., action=Action.MANAGE)``) and answers in a fixed number of queries,
whatever the number of rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import ApiToken, User
from tenancy.access import Action, guarded_models, object_permission_models, restrict, rights_phrase
from tenancy.models import Membership, Tenant

#: The rights that can be given on one object (a project), in the order the pages list them.
GRANT_ACTIONS = (Action.VIEW, Action.CHANGE, Action.CHANGE_TECHNICAL, Action.PROMOTE, Action.APPROVE)


def managed_tenants(*, user) -> QuerySet:
    """The tenants whose settings ``user`` runs: customer admins theirs, platform admins every one."""
    return restrict(Tenant.objects.all(), user=user, action=Action.MANAGE).order_by("name", "pk")


# --- Members ----------------------------------------------------------------------------------


@dataclass
class ProjectGrant:
    project_id: int
    code: str
    name: str
    actions: list[Action]  # in ``GRANT_ACTIONS`` order

    @property
    def summary(self) -> str:
        """What the grant lets its holder do, in words: "see the project and approve or reject its promotions"."""
        return rights_phrase(self.actions)


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


def member_grants(*, tenant: Tenant, user: User) -> list[ProjectGrant]:
    """One person's per-project grants in ``tenant`` (what ``member_list`` gives each membership)."""
    return _project_grants(tenant, user=user).get(user.pk, {}).get("grants", [])


def _project_grants(tenant: Tenant, user: User | None = None) -> dict[int, dict]:
    """Per user id: the user and their grants, one per granted object (in code order); only
    ``user``'s when given.

    Read from the direct object-permission tables of every model that has them (the permission
    service knows which), so tenancy needs no knowledge of projects."""
    people, objects, rights = {}, {}, defaultdict(set)
    for model in guarded_models():
        user_permissions, _ = object_permission_models(model)
        known = {f"{action}_{model._meta.model_name}": action for action in GRANT_ACTIONS}
        rows = user_permissions.objects.filter(content_object__tenant=tenant)
        if user is not None:
            rows = rows.filter(user=user)
        rows = rows.select_related("user", "content_object", "permission").order_by("content_object__code", "pk")
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
                actions=[action for action in GRANT_ACTIONS if action in actions],
            )
        )
    return by_user


def memberships(*, tenant: Tenant) -> QuerySet:
    """The tenant's memberships, with their person or service account."""
    return Membership.objects.filter(tenant=tenant).select_related("user")


def membership_get(*, tenant: Tenant, pk: int) -> Membership | None:
    return memberships(tenant=tenant).filter(pk=pk).first()


def person_find(*, identifier: str, viewer: User) -> User:
    """The one active person whose username or e-mail address is ``identifier`` (any case), as
    ``viewer`` may know them.

    Service accounts are not found: each belongs to the one tenant it was created in. Nor is a
    person who belongs only to clients ``viewer`` cannot see: the answer is the one for a name
    nobody has, so whether another client's person exists is not learnt here. Someone who belongs
    to no client (a new colleague, an outside engineer) is found.
    """
    identifier = identifier.strip()
    roles = Membership.objects.filter(user=OuterRef("pk"))
    seen = restrict(Tenant.objects.all(), user=viewer, action=Action.VIEW)
    matches = list(
        User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier), kind=User.Kind.PERSON)
        .filter(Q(Exists(roles.filter(tenant__in=seen))) | ~Q(Exists(roles)))
        .order_by("pk")[:3]
    )
    exact = [user for user in matches if user.get_username() == identifier]
    if exact:
        matches = exact
    if not matches:
        message = "Nobody has this username or e-mail address. They need an account first."
        raise ValidationError({"person": ValidationError(message, code="not_found")})
    if len(matches) > 1:
        message = "Several accounts share this e-mail address: give the username instead."
        raise ValidationError({"person": ValidationError(message, code="ambiguous")})
    if not matches[0].is_active:
        raise ValidationError({"person": ValidationError("This account is switched off.", code="inactive")})
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


def service_account_get(*, tenant: Tenant, **lookup) -> User | None:
    """One of the tenant's service accounts, by ``pk`` or ``username``; None for anyone else."""
    return User.objects.filter(kind=User.Kind.SERVICE_ACCOUNT, memberships__tenant=tenant, **lookup).first()


def service_tokens(*, tenant: Tenant) -> QuerySet:
    """The tokens of the tenant's service accounts (never a person's own token), with their account."""
    return ApiToken.objects.filter(
        user__kind=User.Kind.SERVICE_ACCOUNT, user__memberships__tenant=tenant
    ).select_related("user")


def service_token_get(*, tenant: Tenant, pk: int) -> ApiToken | None:
    return service_tokens(tenant=tenant).filter(pk=pk).first()
