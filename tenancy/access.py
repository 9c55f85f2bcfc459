"""Who may do what: the platform's single permission service.

Every list, page, API endpoint and task that needs "what may this user see / change / approve"
asks ``restrict`` (many rows, one query) or ``get_for_user_or_404`` / ``allowed_actions`` (one
row). Nothing else in the code decides visibility.

The rules:

- A platform admin may do everything in every tenant.
- A tenant-wide role (``Membership``) grants its actions (``ROLE_ACTIONS``) on the tenant and on
  all of the tenant's projects, unless the membership is narrowed (``all_projects`` off).
- On a model with object permissions (a django-guardian direct foreign-key table, e.g.
  ``ProjectUserObjectPermission``), a per-object grant of ``<action>_<model>`` widens the reach,
  for the user directly or through a group.
- A tenant-owned model without object permissions of its own follows the object named by its
  ``access_via`` attribute (e.g. an approval request follows its project); without one, it follows
  the tenant-wide role.
- A tenant is visible to its members and to anyone holding a grant on one of its objects.

An object the user may not view does not exist for them: ``get_for_user_or_404`` answers 404,
never 403, so the existence of another tenant's object never leaks.

Within a request (``access_scope``, opened by ``AccessScopeMiddleware``) a person's reach is read
once, as an ``Access``: their roles by tenant and their grants by object, in two queries. Then
``restrict`` filters on those ids (one array parameter each) instead of a correlated subquery per
row, and ``allowed_actions`` answers in Python, with no query. Outside a request (tasks, commands)
the same rules run as SQL subqueries. Both read the same table (``ROLE_ACTIONS``) and the same
guardian codenames, and a test holds them to the same answers. A change to a membership, a grant
or a group within the request forgets what was read.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import Http404
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import User
from core.compiled import CompiledQuery, Parameter
from core.lookups import any_of
from core.wording import listed
from tenancy.models import Membership, Role, Tenant, TenantOwned


class Action(StrEnum):
    VIEW = "view"
    #: Every field of the project: identity, deployment model, profile, budgets, timeline.
    CHANGE = "change"
    #: The technical details only (hosting, volumes, latency, environment, routing).
    CHANGE_TECHNICAL = "change_technical"
    #: Request promotions; roll back, pause or retire.
    PROMOTE = "promote"
    APPROVE = "approve"
    #: The tenant's members, approval policies, freeze windows and webhooks.
    MANAGE = "manage"


#: What each right lets a person do with a project, as the pages say it (the API keeps the codes). Said
#: of one project, in the order of ``Action``, so that ``rights_phrase`` can chain them after "see the
#: project": "see the project, change it, change its technical details and …".
ACTION_LABELS: dict[Action, str] = {
    Action.VIEW: "see the project",
    Action.CHANGE: "change it",
    Action.CHANGE_TECHNICAL: "change its technical details",
    Action.PROMOTE: "request its promotion, rollback, pause or retirement",
    Action.APPROVE: "approve or reject its promotions",
    Action.MANAGE: "manage who has access to it and the client's settings",
}


def rights_phrase(actions) -> str:
    """``actions`` as words, in the order of ``Action``: "see the project, change it and change its
    technical details"; "nothing" for none."""
    return listed(ACTION_LABELS[action] for action in Action if action in set(actions)) or "nothing"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.DELIVERY_LEAD: frozenset({Action.VIEW, Action.CHANGE, Action.CHANGE_TECHNICAL, Action.PROMOTE}),
    Role.ENGINEER: frozenset({Action.VIEW, Action.CHANGE_TECHNICAL}),
    Role.CUSTOMER_ADMIN: frozenset({Action.VIEW, Action.APPROVE, Action.MANAGE}),
    Role.CUSTOMER_APPROVER: frozenset({Action.VIEW, Action.APPROVE}),
    Role.CUSTOMER_VIEWER: frozenset({Action.VIEW}),
}


def roles_allowing(action: Action) -> list[str]:
    return sorted(role.value for role, actions in ROLE_ACTIONS.items() if action in actions)


def restrict(queryset: QuerySet, *, user, action: Action = Action.VIEW) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may act on with ``action``, as one query (in a request,
    filtered on the ids of the person's ``Access``; elsewhere by subqueries)."""
    if not _is_active(user):
        return queryset.none()
    if restricts_nothing(user):
        return queryset
    access = _scoped_access(user)
    if access is None:
        return queryset.filter(_condition(queryset.model, user, Action(action)))
    condition = access.condition(queryset.model, Action(action))
    return queryset.none() if condition is None else queryset.filter(condition)


def restricts_nothing(user) -> bool:
    """Whether ``restrict`` answers every queryset unchanged for ``user``, whatever the action: an
    active platform admin may do everything to every row."""
    return _is_active(user) and user.is_platform_admin


def restrict_under(queryset: QuerySet, *, user, parent, action: Action = Action.VIEW) -> QuerySet:
    """The rows of ``queryset`` that belong to ``parent`` (the object whose rights decide theirs:
    their ``access_via`` leads to it, e.g. a project's assessments) that ``user`` may act on with
    ``action``: all of them, of ``parent``'s tenant, if the user may act so on ``parent``; none if not.

    What ``restrict(queryset.filter(<path to parent>=parent))`` answers (the rules give a row the
    rights of the object it follows). In a request the right is read once for ``parent``, from the
    person's ``Access`` without a query, instead of a condition on each row naming every tenant the
    person reaches, which the database would plan anew for every query of a page; elsewhere the
    rules go into the one query as subqueries, as ``restrict`` puts them."""
    guarded, object_ref = _guarding_object(queryset.model)
    if type(parent) is not guarded or guarded is queryset.model:
        raise TypeError(f"{queryset.model.__name__} rows do not follow a {type(parent).__name__}'s rights.")
    rows = queryset.filter(**{object_ref: parent.pk, "tenant_id": parent.tenant_id})
    if _scoped.get() is None:
        return restrict(rows, user=user, action=action)
    return rows if can(user, parent, action) else queryset.none()


class CompiledUnder:
    """``restrict_under`` for a page's read of a fixed shape, its SQL compiled once per connection
    (``core.compiled``): ``build`` makes the queryset of the rows of any parent (its joins and
    ordering; no filter on the parent), ``rows(user=, parent=)`` answers what iterating
    ``restrict_under(build(), user=user, parent=parent)[:limit]`` would. The parent's id and tenant
    are the statement's values, so every parent runs the one statement; the right is asked of
    ``parent`` by ``can`` (in a request, of the person's ``Access``, without a query)."""

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build
        self._guarded = None
        self._by_limit: dict[int | None, CompiledQuery] = {}

    def rows(self, *, user, parent, action: Action = Action.VIEW, limit: int | None = None) -> list:
        if self._guarded is None:
            self._guarded = _guarding_object(self._build().model)[0]
        if type(parent) is not self._guarded:
            raise TypeError(f"These rows do not follow a {type(parent).__name__}'s rights.")
        if not can(user, parent, action):
            return []
        query = self._by_limit.get(limit)
        if query is None:
            query = self._by_limit[limit] = CompiledQuery(lambda: self._under_any_parent(limit))
        return query.run(parent=parent.pk, tenant=parent.tenant_id)

    def _under_any_parent(self, limit):
        queryset = self._build()
        _, object_ref = _guarding_object(queryset.model)
        rows = queryset.filter(
            **{object_ref: Parameter("parent", BigIntegerField()), "tenant_id": Parameter("tenant", BigIntegerField())}
        )
        return rows[:limit] if limit is not None else rows


def get_compiled_for_user_or_404(query: CompiledQuery, *, user, action: Action = Action.VIEW, **values):
    """``get_for_user_or_404`` for a compiled query of one object (``core.compiled``; ``values``
    its parameters): the object, 404 if there is none or the user may not view it, 403 if they may
    view it but not ``action`` it. The right is asked of the object read, as in a request
    ``get_for_user_or_404`` asks it."""
    found = query.run(**values)
    return _found_or_404(found[0] if found else None, query.model, user=user, action=action, ask_view=True)


def allowed_actions(user, obj) -> frozenset[Action]:
    """Every action ``user`` may take on ``obj``: in a request, from the person's ``Access`` (no
    query); elsewhere by one query."""
    if not _is_active(user):
        return frozenset()
    if user.is_platform_admin:
        return frozenset(Action)
    access = _scoped_access(user)
    if access is not None:
        return access.actions_on(obj)
    model = type(obj)
    flags = (
        model._default_manager.filter(pk=obj.pk)
        .annotate(
            **{
                f"may_{action}": ExpressionWrapper(_condition(model, user, action), output_field=BooleanField())
                for action in Action
            }
        )
        .values(*(f"may_{action}" for action in Action))
        .first()
    )
    if flags is None:
        return frozenset()
    return frozenset(action for action in Action if flags[f"may_{action}"])


def can(user, obj, action: Action) -> bool:
    return Action(action) in allowed_actions(user, obj)


def holders(obj, action: Action) -> QuerySet:
    """The active users who hold ``action`` on ``obj`` (a tenant-owned row with its own grants, such
    as a project) through a role in its tenant or a grant on it, as one query: ``restrict`` turned
    round, from the same rules. Platform admins, who may do everything, are listed only if they hold
    the right in one of those ways too."""
    action, model = Action(action), type(obj)
    memberships = Membership.objects.filter(
        user=OuterRef("pk"), tenant_id=obj.tenant_id, role__in=roles_allowing(action)
    )
    permission_models = object_permission_models(model)
    if not permission_models:
        return User.objects.filter(Exists(memberships), is_active=True)
    condition = Q(Exists(memberships.filter(all_projects=True)))
    codename = _codename(model, action)
    if codename is not None:
        user_perms, group_perms = permission_models
        condition |= Q(
            Exists(user_perms.objects.filter(user=OuterRef("pk"), content_object=obj, permission__codename=codename))
        )
        condition |= Q(
            Exists(
                group_perms.objects.filter(
                    group__user=OuterRef("pk"), content_object=obj, permission__codename=codename
                )
            )
        )
    return User.objects.filter(condition, is_active=True)


@dataclass(frozen=True)
class Reach:
    """The rows of a tenant-owned model someone may act on, as whole tenants and single objects:
    what a reader needs to sum per-client figures (one row per whole tenant) and add the few objects
    granted one by one. ``restrict`` and ``reach`` answer from the same rules."""

    everywhere: bool = False
    #: The tenants all of whose rows are reached.
    tenant_ids: frozenset[int] = frozenset()
    #: Objects granted one by one, outside ``tenant_ids``.
    object_ids: frozenset[int] = frozenset()


def reach(user, model, action: Action = Action.VIEW) -> Reach:
    """Where ``user`` may ``action`` rows of ``model`` (a model with grants of its own, such as a
    project, or one following its tenant's roles): from the request's ``Access``, or read now."""
    if not _is_active(user):
        return Reach()
    if user.is_platform_admin:
        return Reach(everywhere=True)
    action = Action(action)
    access = _scoped_access(user) or Access.load(user)
    if not object_permission_models(model):
        return Reach(tenant_ids=frozenset(access.tenants_allowing(action)))
    tenant_ids = access.tenants_allowing(action, all_projects=True)
    codename = _codename(model, action)
    granted = access.granted(model, codename) if codename is not None else {}
    return Reach(
        tenant_ids=frozenset(tenant_ids),
        object_ids=frozenset(pk for pk, tenant_id in granted.items() if tenant_id not in tenant_ids),
    )


def get_for_user_or_404(queryset: QuerySet, *, user, action: Action = Action.VIEW, **lookup):
    """One object, or 404 if the user may not view it, or 403 if they may view but not ``action`` it.

    In a request the object is read by its lookup alone and the right to view it asked of the
    person's ``Access`` (no condition naming every tenant they reach for the database to plan);
    elsewhere the rules are part of the query. Either way an object the user may not view and one
    that does not exist get the same answer."""
    in_request = _scoped.get() is not None
    try:
        obj = (queryset if in_request else restrict(queryset, user=user, action=Action.VIEW)).get(**lookup)
    except queryset.model.DoesNotExist:
        obj = None
    return _found_or_404(obj, queryset.model, user=user, action=action, ask_view=in_request)


def _found_or_404(obj, model, *, user, action: Action, ask_view: bool):
    """The getters' one answer: 404 for no object, or one the user may not view (asked here when
    ``ask_view``: the read did not restrict it), so that the two cannot be told apart; 403 for one
    they may view but not ``action``."""
    if obj is None or (ask_view and not can(user, obj, Action.VIEW)):
        raise Http404(f"No {model._meta.verbose_name} matches the given query.")
    if action != Action.VIEW and not can(user, obj, action):
        raise PermissionDenied
    return obj


def _is_active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _condition(model, user, action: Action) -> Q:
    if model is Tenant:
        return _tenant_condition(user, action)
    guarded, object_ref = _guarding_object(model)
    memberships = Membership.objects.filter(user=user, tenant_id=OuterRef("tenant_id"), role__in=roles_allowing(action))
    if not object_permission_models(guarded):
        return Q(Exists(memberships))
    condition = Q(Exists(memberships.filter(all_projects=True)))
    codename = _codename(guarded, action)
    if codename is not None:
        user_perms, group_perms = object_permission_models(guarded)
        condition |= Q(
            Exists(
                user_perms.objects.filter(user=user, content_object=OuterRef(object_ref), permission__codename=codename)
            )
        )
        condition |= Q(
            Exists(
                group_perms.objects.filter(
                    group__user=user, content_object=OuterRef(object_ref), permission__codename=codename
                )
            )
        )
    return condition


def _guarding_object(model):
    """Follow ``access_via`` (e.g. decision → request → project) to the model whose rights apply.

    Returns that model and the path from ``model`` to its primary key.
    """
    path = []
    while via := getattr(model, "access_via", None):
        path.append(via)
        model = model._meta.get_field(via).related_model
    return model, ("__".join(path) + "_id") if path else "pk"


def _tenant_condition(user, action: Action) -> Q:
    condition = Q(
        Exists(Membership.objects.filter(user=user, tenant_id=OuterRef("pk"), role__in=roles_allowing(action)))
    )
    if action == Action.VIEW:
        # Someone granted a single project sees the tenant that project belongs to.
        for model in guarded_models():
            user_perms, group_perms = object_permission_models(model)
            codename = _codename(model, Action.VIEW)
            condition |= Q(
                Exists(
                    user_perms.objects.filter(
                        user=user, content_object__tenant_id=OuterRef("pk"), permission__codename=codename
                    )
                )
            )
            condition |= Q(
                Exists(
                    group_perms.objects.filter(
                        group__user=user, content_object__tenant_id=OuterRef("pk"), permission__codename=codename
                    )
                )
            )
    return condition


@cache
def _codename(model, action: Action) -> str | None:
    """The guardian permission that grants ``action`` on one object of ``model``, if there is one."""
    codename = f"{action}_{model._meta.model_name}"
    declared = {f"{default}_{model._meta.model_name}" for default in model._meta.default_permissions}
    declared |= {name for name, _ in model._meta.permissions}
    return codename if codename in declared else None


@cache
def object_permission_models(model):
    """The (user, group) direct foreign-key permission tables of ``model``, or () if it has none."""
    user_model = group_model = None
    for relation in model._meta.related_objects:
        related = relation.related_model
        if issubclass(related, UserObjectPermissionBase) and not related._meta.abstract:
            user_model = related
        elif issubclass(related, GroupObjectPermissionBase) and not related._meta.abstract:
            group_model = related
    if user_model is None and group_model is None:
        return ()
    if user_model is None or group_model is None:
        raise TypeError(f"{model.__name__} needs both a user and a group direct object-permission model.")
    return user_model, group_model


@cache
def guarded_models() -> tuple:
    """The tenant-owned models whose rows can be granted one by one (Project, today)."""
    return tuple(
        model for model in apps.get_models() if issubclass(model, TenantOwned) and object_permission_models(model)
    )


# --- Once per request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """A person's per-object grants on one object (directly or through a group)."""

    tenant_id: int
    codenames: frozenset[str]


@dataclass(frozen=True)
class Access:
    """What one person may reach, read once: their role in each tenant and their per-object grants.

    Being active and being a platform admin are read from the user object itself, so ``restrict`` and
    ``allowed_actions`` check them before asking here.
    """

    #: tenant id → (role, whether the role reaches all of the tenant's projects)
    roles: Mapping[int, tuple[Role, bool]]
    #: guarded model (``guarded_models``) → object id → the grants on it
    grants: Mapping[type, Mapping[int, Grant]]

    @classmethod
    def load(cls, user) -> "Access":
        """A person's memberships and grants: one query, plus one per guarded model (user and group
        grants together)."""
        roles = {
            tenant_id: (Role(role), all_projects) for tenant_id, role, all_projects in _MEMBERSHIPS.run(user_id=user.pk)
        }
        grants = {}
        for model in guarded_models():
            found: dict[int, tuple[int, set[str]]] = {}
            for pk, tenant_id, codename in _grants(model).run(user_id=user.pk):
                found.setdefault(pk, (tenant_id, set()))[1].add(codename)
            grants[model] = {pk: Grant(tenant_id, frozenset(codenames)) for pk, (tenant_id, codenames) in found.items()}
        return cls(roles=roles, grants=grants)

    def tenants_allowing(self, action: Action, *, all_projects: bool = False) -> set[int]:
        """The tenants where the person's role allows ``action`` (on all their projects, if asked)."""
        return {
            tenant_id
            for tenant_id, (role, reaches_all) in self.roles.items()
            if action in ROLE_ACTIONS[role] and (reaches_all or not all_projects)
        }

    def granted(self, model, codename: str) -> dict[int, int]:
        """The objects of ``model`` granted with ``codename``: object id → its tenant id."""
        return {pk: grant.tenant_id for pk, grant in self.grants.get(model, {}).items() if codename in grant.codenames}

    def condition(self, model, action: Action) -> Q | None:
        """``_condition`` on this person's ids: None if no row can match."""
        if model is Tenant:
            tenant_ids = self.tenants_allowing(action)
            if action == Action.VIEW:
                # Someone granted a single project sees the tenant that project belongs to.
                for guarded in guarded_models():
                    tenant_ids |= set(self.granted(guarded, _codename(guarded, Action.VIEW)).values())
            return Q(any_of("pk", tenant_ids)) if tenant_ids else None
        guarded, object_ref = _guarding_object(model)
        if not object_permission_models(guarded):
            tenant_ids = self.tenants_allowing(action)
            return Q(any_of("tenant_id", tenant_ids)) if tenant_ids else None
        tenant_ids = self.tenants_allowing(action, all_projects=True)
        codename = _codename(guarded, action)
        object_ids = self.granted(guarded, codename) if codename is not None else {}
        parts = []
        if tenant_ids:
            parts.append(Q(any_of("tenant_id", tenant_ids)))
        if object_ids:
            parts.append(Q(any_of(object_ref, object_ids)))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else parts[0] | parts[1]

    def actions_on(self, obj) -> frozenset[Action]:
        """``allowed_actions`` for one object, from what was read: no query (unless ``obj`` follows
        another object through more than one ``access_via`` and the one between is not loaded)."""
        return frozenset(action for action in Action if self._may(obj, action))

    def _may(self, obj, action: Action) -> bool:
        model = type(obj)
        if model is Tenant:
            if action in ROLE_ACTIONS.get(self._role(obj.pk), ()):
                return True
            return action == Action.VIEW and any(
                grant.tenant_id == obj.pk and _codename(guarded, Action.VIEW) in grant.codenames
                for guarded in guarded_models()
                for grant in self.grants.get(guarded, {}).values()
            )
        role, reaches_all = self.roles.get(obj.tenant_id, (None, False))
        role_allows = role is not None and action in ROLE_ACTIONS[role]
        guarded, guarded_id = _guarding_id(obj)
        if not object_permission_models(guarded):
            return role_allows
        if role_allows and reaches_all:
            return True
        codename = _codename(guarded, action)
        grant = self.grants.get(guarded, {}).get(guarded_id)
        return codename is not None and grant is not None and codename in grant.codenames

    def _role(self, tenant_id) -> Role | None:
        role, _ = self.roles.get(tenant_id, (None, False))
        return role


# Every request of a person asks these, so their SQL is compiled once per connection (``core.compiled``);
# the rows are read afresh each time: a membership or grant changed is seen by the next request.
_MEMBERSHIPS = CompiledQuery(
    lambda: Membership.objects.filter(user_id=Parameter("user_id", BigIntegerField())).values_list(
        "tenant_id", "role", "all_projects"
    )
)


@cache
def _grants(model) -> CompiledQuery:
    """A person's grants on objects of ``model`` (a guarded model), directly or through a group:
    (object id, its tenant id, codename) rows."""

    def build():
        user_perms, group_perms = object_permission_models(model)
        fields = ("content_object_id", "content_object__tenant_id", "permission__codename")
        user_id = Parameter("user_id", BigIntegerField())
        return (
            user_perms.objects.filter(user_id=user_id)
            .values_list(*fields)
            .union(group_perms.objects.filter(group__user=user_id).values_list(*fields), all=True)
        )

    return CompiledQuery(build)


def _guarding_id(obj):
    """The model whose rights apply to ``obj`` (``_guarding_object``) and that object's id."""
    model, current = type(obj), obj
    while via := getattr(model, "access_via", None):
        field = model._meta.get_field(via)
        model = field.related_model
        if getattr(model, "access_via", None):
            current = getattr(current, via)
        else:
            return model, getattr(current, field.attname)
    return model, current.pk


#: user id → Access, for the request being served (None outside a request: nothing is kept).
_scoped: ContextVar[dict[int, Access] | None] = ContextVar("tenancy_access", default=None)


@contextmanager
def access_scope() -> Iterator[None]:
    """Read each person's ``Access`` at most once until the block ends (a request, by the
    middleware): never longer, so a change made by another request is seen by the next one. Inside
    another scope, that one goes on."""
    if _scoped.get() is not None:
        yield
        return
    token = _scoped.set({})
    try:
        yield
    finally:
        _scoped.reset(token)


def access_for(user) -> Access:
    """``user``'s ``Access``: the one read in this request, or read now."""
    scoped = _scoped.get()
    if scoped is None:
        return Access.load(user)
    if user.pk not in scoped:
        scoped[user.pk] = Access.load(user)
    return scoped[user.pk]


def tenant_roles(user) -> dict[int, Role]:
    """``user``'s role in each tenant they belong to (narrowed or not): from the request's ``Access``,
    or one query."""
    if not user.is_authenticated:
        return {}
    access = _scoped_access(user)
    if access is not None:
        return {tenant_id: role for tenant_id, (role, _) in access.roles.items()}
    return {
        tenant_id: Role(role)
        for tenant_id, role in Membership.objects.filter(user=user).values_list("tenant_id", "role")
    }


def _scoped_access(user) -> Access | None:
    return access_for(user) if _scoped.get() is not None else None


def _forget_access(*args, **kwargs) -> None:
    """A membership, grant or group changed: what this request read of anyone's reach is forgotten."""
    scoped = _scoped.get()
    if scoped:
        scoped.clear()


def connect() -> None:
    """Forget the request's ``Access`` on every change that decides reach (model signals)."""
    for model in apps.get_models():
        if issubclass(model, Membership | Group | UserObjectPermissionBase | GroupObjectPermissionBase):
            uid = f"access:forget:{model._meta.label}"
            post_save.connect(_forget_access, sender=model, dispatch_uid=uid, weak=False)
            post_delete.connect(_forget_access, sender=model, dispatch_uid=uid, weak=False)
    m2m_changed.connect(_forget_access, sender=User.groups.through, dispatch_uid="access:forget:groups", weak=False)


class AccessScopeMiddleware:
    """Each request reads each person's ``Access`` once (``access_scope``) and forgets it at its end."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with access_scope():
            return self.get_response(request)


def require(user, obj, action: Action) -> None:
    """Refuse (403) unless ``user`` may take ``action`` on ``obj``. For services that act for a person."""
    if not can(user, obj, action):
        raise PermissionDenied(_refusal(obj, Action(action)))


def require_any(user, obj, *actions: Action) -> None:
    """Refuse (403) unless ``user`` may take at least one of ``actions`` on ``obj``.

    The first check of a write whose exact right depends on what it changes (an engineer may change
    a project's technical fields only): made before any value is looked at, so a caller who may
    change nothing learns nothing from field errors.
    """
    if not allowed_actions(user, obj) & set(actions):
        raise PermissionDenied(_refusal(obj, Action(actions[0])))


def _refusal(obj, action: Action) -> str:
    """Why a person is refused, in words: "Your rights on this project do not let you change its
    technical details." """
    return f"Your rights on this {obj._meta.verbose_name} do not let you {ACTION_LABELS[action]}."
