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
"""

from enum import StrEnum

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import User
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
    """The rows of ``queryset`` that ``user`` may act on with ``action``, as one query."""
    if not _is_active(user):
        return queryset.none()
    if user.is_platform_admin:
        return queryset
    return queryset.filter(_condition(queryset.model, user, Action(action)))


def allowed_actions(user, obj) -> frozenset[Action]:
    """Every action ``user`` may take on ``obj``, answered by one query."""
    if not _is_active(user):
        return frozenset()
    if user.is_platform_admin:
        return frozenset(Action)
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


def get_for_user_or_404(queryset: QuerySet, *, user, action: Action = Action.VIEW, **lookup):
    """One object, or 404 if the user may not view it, or 403 if they may view but not ``action`` it."""
    try:
        obj = restrict(queryset, user=user, action=Action.VIEW).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None
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


def _codename(model, action: Action) -> str | None:
    """The guardian permission that grants ``action`` on one object of ``model``, if there is one."""
    codename = f"{action}_{model._meta.model_name}"
    declared = {f"{default}_{model._meta.model_name}" for default in model._meta.default_permissions}
    declared |= {name for name, _ in model._meta.permissions}
    return codename if codename in declared else None


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


def guarded_models():
    """The tenant-owned models whose rows can be granted one by one (Project, today)."""
    return [model for model in apps.get_models() if issubclass(model, TenantOwned) and object_permission_models(model)]


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
