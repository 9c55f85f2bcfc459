"""Who may reach one project beyond their tenant-wide role: per-project grants to a person or a group.

A grant gives the rights of a role on one project (the ``<action>_project`` rows of the direct
object-permission tables, ``ProjectUserObjectPermission`` and ``ProjectGroupObjectPermission``).
It widens a narrowed member's reach (``all_projects`` off) and is how an outside engineer, who
belongs to no client, is given a single project. The permission service (``tenancy.access``)
turns these rows into "may see / change / approve".
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from guardian.shortcuts import assign_perm

from accounts.models import User
from audit.services import audit_record
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission
from tenancy.access import ROLE_ACTIONS, Action, holders, require
from tenancy.models import Membership, Role
from webhooks.services import publish

#: The actions that exist as per-project permissions (``<action>_project``).
PROJECT_ACTIONS = (Action.VIEW, Action.CHANGE, Action.CHANGE_TECHNICAL, Action.PROMOTE, Action.APPROVE)

#: Roles that can be given on one project. A customer admin's own right (managing the client) is
#: tenant-wide, so on one project it would be exactly a customer approver's: given under that name.
PROJECT_ROLES = tuple(role for role in Role if role != Role.CUSTOMER_ADMIN)
PROJECT_ROLE_CHOICES = [(role.value, role.label) for role in PROJECT_ROLES]

#: Answered alike for an unknown name and for another client's person: nothing about them leaks.
NOT_GRANTABLE = "No person or group of that name can be given access to this client's projects."


def project_role_actions(role: Role) -> frozenset[Action]:
    return frozenset(action for action in PROJECT_ACTIONS if action in ROLE_ACTIONS[Role(role)])


def project_role_of(actions) -> Role | None:
    """The project role whose rights are exactly ``actions`` (None for a set no role gives)."""
    actions = frozenset(actions)
    return next((role for role in PROJECT_ROLES if project_role_actions(role) == actions), None)


@transaction.atomic
def project_access_grant(
    *, project: Project, role: Role, user: User | None = None, group: Group | None = None, actor: User | None = None
) -> None:
    """Give ``user`` or ``group`` the rights of ``role`` on this one project, replacing what they held on it.

    The rules: only someone who manages the project's client (its customer admins, platform admins)
    grants; a person who belongs to another client only, or a group with such a member, is refused
    exactly like an unknown name (404); someone who belongs to no client (an outside engineer) may be
    given a single project; customer admin is not a per-project role; a new role that takes the last
    customer admin's right to approve the project away is refused like a revoke (see
    ``project_access_revoke``).
    """
    if actor is not None:
        require(actor, project.tenant, Action.MANAGE)
    grantee = _one_grantee(user, group)
    if actor is not None:
        refuse_another_clients(project=project, grantee=grantee)
    role = _project_role(role)
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = _held(project, grantee)
    if before == project_role_actions(role):
        return
    _remove(project, grantee)
    for action in sorted(project_role_actions(role)):
        assign_perm(f"projects.{action}_project", grantee, project)
    _keep_an_approver(project, grantee, before)
    previous = project_role_of(before)
    audit_record(
        action="access.project_granted",
        obj=project,
        actor=actor,
        before={_kind(grantee): grantee_name(grantee), "role": previous.value if previous else None}
        if before
        else None,
        after={_kind(grantee): grantee_name(grantee), "role": role.value},
    )
    publish(
        tenant_id=project.tenant_id,
        event_type="access.granted",
        data=_event_data(project, grantee, actor, role=role.value, previous_role=previous.value if previous else None),
    )


@transaction.atomic
def project_access_revoke(
    *, project: Project, user: User | None = None, group: Group | None = None, actor: User | None = None
) -> bool:
    """Take back every per-project right ``user`` or ``group`` holds on this project.

    Refused (400, on the person or group) when it takes a customer admin's right to approve the
    project and leaves nobody able to approve its rollouts: the last customer admin reaching the
    project keeps it until someone else is given it. Taking back nothing changes nothing
    (and answers False).
    """
    if actor is not None:
        require(actor, project.tenant, Action.MANAGE)
    grantee = _one_grantee(user, group)
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = _held(project, grantee)
    if not before:
        return False
    _remove(project, grantee)
    _keep_an_approver(project, grantee, before)
    previous = project_role_of(before)
    audit_record(
        action="access.project_revoked",
        obj=project,
        actor=actor,
        before={_kind(grantee): grantee_name(grantee), "role": previous.value if previous else None},
    )
    publish(
        tenant_id=project.tenant_id,
        event_type="access.revoked",
        data=_event_data(project, grantee, actor, role=None, previous_role=previous.value if previous else None),
    )
    return True


def refuse_another_clients(*, project: Project, grantee: User | Group) -> None:
    """404 for a person who belongs to other clients but not to this project's (a service account
    always belongs to one), and for a group with such a member, or an inactive person: the same
    answer as for a name that does not exist."""
    people = [grantee] if isinstance(grantee, User) else list(grantee.user_set.all())
    if isinstance(grantee, User) and not grantee.is_active:
        raise Http404(NOT_GRANTABLE)
    ids = [person.pk for person in people]
    elsewhere = set(
        Membership.objects.filter(user_id__in=ids)
        .exclude(tenant_id=project.tenant_id)
        .values_list("user_id", flat=True)
    )
    here = set(
        Membership.objects.filter(user_id__in=ids, tenant_id=project.tenant_id).values_list("user_id", flat=True)
    )
    if elsewhere - here:
        raise Http404(NOT_GRANTABLE)


def grantee_name(grantee: User | Group) -> str:
    return grantee.get_username() if isinstance(grantee, User) else grantee.name


def _kind(grantee) -> str:
    return "user" if isinstance(grantee, User) else "group"


def _one_grantee(user, group):
    if (user is None) == (group is None):
        raise ValidationError({"user": "Give either a person or a group."}, code="required")
    return user if user is not None else group


def _project_role(role) -> Role:
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError({"role": f"Choose one of: {', '.join(PROJECT_ROLES)}."}, code="invalid_choice") from None
    if role not in PROJECT_ROLES:
        raise ValidationError(
            {"role": "Customer admin is a role of the whole client: on one project, give customer approver."},
            code="invalid_choice",
        )
    return role


def _permission_rows(project, grantee):
    if isinstance(grantee, User):
        return ProjectUserObjectPermission.objects.filter(user=grantee, content_object=project)
    return ProjectGroupObjectPermission.objects.filter(group=grantee, content_object=project)


def _held(project, grantee) -> frozenset[Action]:
    codenames = set(_permission_rows(project, grantee).values_list("permission__codename", flat=True))
    return frozenset(action for action in PROJECT_ACTIONS if f"{action}_project" in codenames)


def _remove(project, grantee) -> int:
    deleted, _ = _permission_rows(project, grantee).delete()
    return deleted


def _keep_an_approver(project, grantee, before) -> None:
    """Refuse to take a customer admin's right to approve this project (through this grant, to
    them or to a group they are in) when nobody (no active person) could approve it afterwards.

    Checked after the change, inside its transaction, with the project row locked: two admins
    taking rights away at once cannot both pass. Other people's grants are theirs to lose: the
    rule keeps the client's own admins able to approve."""
    if Action.APPROVE not in before:
        return
    people = [grantee] if isinstance(grantee, User) else list(grantee.user_set.all())
    admins = Membership.objects.filter(
        tenant_id=project.tenant_id, user__in=[person.pk for person in people], role=Role.CUSTOMER_ADMIN
    )
    if not admins.exists():
        return
    if holders(project, Action.APPROVE).filter(kind=User.Kind.PERSON).exists():
        return
    message = (
        f"{grantee_name(grantee)} holds the last customer admin's right to approve {project.code}: nobody could "
        "approve its rollouts any more. Give someone else the right to approve it first."
    )
    raise ValidationError({_kind(grantee): ValidationError(message, code="last_customer_admin")})


def _event_data(project, grantee, actor, *, role, previous_role) -> dict:
    return {
        "project_id": project.pk,
        "project_code": project.code,
        "tenant": project.tenant.slug,
        "grantee_kind": _kind(grantee),
        "grantee": grantee_name(grantee),
        "role": role,
        "previous_role": previous_role,
        "actor": actor.get_username() if actor is not None else None,
    }
