"""Reads behind a project's access page and endpoint: who reaches the project, and why.

Someone reaches a project through a role in its client that covers all of the client's projects,
through a grant on this project (to them, or to a group they are in), or through several of these.
A narrowed member (``all_projects`` off) reaches it only through a grant. Platform admins reach
every project and are not listed.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.http import Http404

from accounts.models import User
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission
from projects.services.access import NOT_GRANTABLE, PROJECT_ACTIONS, project_role_of
from tenancy.access import ROLE_ACTIONS
from tenancy.models import Membership, Role


class Reason:
    """Why someone reaches the project (the codes the API gives)."""

    TENANT_ROLE = "tenant_role"  # a role in the client that covers all of its projects
    PROJECT_GRANT = "project_grant"  # a grant on this project to the person
    GROUP_GRANT = "group_grant"  # a grant on this project to a group the person is in


@dataclass
class AccessHolder:
    """A person or a group with rights on the project, and where each right comes from."""

    kind: str  # "user" or "group"
    name: str  # the username or the group's name
    display_name: str
    tenant_role: Role | None = None
    all_projects: bool | None = None
    project_role: Role | None = None
    groups: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    actions: set = field(default_factory=set)
    members: int | None = None  # a group's number of people

    @property
    def action_list(self) -> list[str]:
        return [str(action) for action in PROJECT_ACTIONS if action in self.actions]

    @property
    def why(self) -> str:
        """The reasons in words, for the page."""
        words = []
        if Reason.TENANT_ROLE in self.reasons:
            words.append(f"{self.tenant_role.label} of the client, on all its projects")
        elif self.tenant_role is not None:
            words.append(f"{self.tenant_role.label} of the client, on granted projects only")
        if Reason.PROJECT_GRANT in self.reasons or self.kind == "group":
            words.append(f"given {self.project_role.label.lower()} on this project" if self.project_role else "")
        if Reason.GROUP_GRANT in self.reasons:
            words.append(f"through the group{'s' if len(self.groups) > 1 else ''} {', '.join(self.groups)}")
        return "; ".join(word for word in words if word) or "—"


def project_access_list(*, project: Project) -> list[AccessHolder]:
    """Everyone who reaches ``project``: people first (by username), then groups.

    A fixed number of queries, whatever the number of people."""
    people: dict[int, AccessHolder] = {}

    def person(user: User) -> AccessHolder:
        if user.pk not in people:
            people[user.pk] = AccessHolder(kind="user", name=user.get_username(), display_name=str(user))
        return people[user.pk]

    memberships = Membership.objects.filter(tenant_id=project.tenant_id, user__is_active=True).select_related("user")
    roles = {}
    for membership in memberships:
        roles[membership.user_id] = membership
        if membership.all_projects:
            holder = person(membership.user)
            holder.tenant_role, holder.all_projects = Role(membership.role), True
            holder.reasons.append(Reason.TENANT_ROLE)
            holder.actions |= {a for a in PROJECT_ACTIONS if a in ROLE_ACTIONS[Role(membership.role)]}

    direct: dict[int, set] = {}
    granted_users = {}
    for row in ProjectUserObjectPermission.objects.filter(content_object=project, user__is_active=True).select_related(
        "user", "permission"
    ):
        granted_users[row.user_id] = row.user
        direct.setdefault(row.user_id, set()).add(row.permission.codename)
    for user_id, codenames in direct.items():
        actions = {a for a in PROJECT_ACTIONS if f"{a}_project" in codenames}
        holder = person(granted_users[user_id])
        holder.project_role = project_role_of(actions)
        holder.reasons.append(Reason.PROJECT_GRANT)
        holder.actions |= actions

    group_rights: dict[int, set] = {}
    group_objects = {}
    for row in ProjectGroupObjectPermission.objects.filter(content_object=project).select_related(
        "group", "permission"
    ):
        group_objects[row.group_id] = row.group
        group_rights.setdefault(row.group_id, set()).add(row.permission.codename)
    groups = []
    if group_rights:
        members = User.groups.through.objects.filter(group_id__in=list(group_objects), user__is_active=True)
        by_group: dict[int, list[int]] = {}
        users_needed = set()
        for user_id, group_id in members.values_list("user_id", "group_id"):
            by_group.setdefault(group_id, []).append(user_id)
            users_needed.add(user_id)
        users = {user.pk: user for user in User.objects.filter(pk__in=users_needed)}
        for group_id, codenames in group_rights.items():
            group = group_objects[group_id]
            actions = {a for a in PROJECT_ACTIONS if f"{a}_project" in codenames}
            groups.append(
                AccessHolder(
                    kind="group",
                    name=group.name,
                    display_name=group.name,
                    project_role=project_role_of(actions),
                    reasons=[Reason.PROJECT_GRANT],
                    actions=actions,
                    members=len(by_group.get(group_id, [])),
                )
            )
            for user_id in by_group.get(group_id, []):
                holder = person(users[user_id])
                holder.groups.append(group.name)
                if Reason.GROUP_GRANT not in holder.reasons:
                    holder.reasons.append(Reason.GROUP_GRANT)
                holder.actions |= actions

    for user_id, holder in people.items():
        membership = roles.get(user_id)
        if membership is not None and holder.tenant_role is None:
            holder.tenant_role, holder.all_projects = Role(membership.role), membership.all_projects
        holder.groups.sort()
    listed = sorted(people.values(), key=lambda holder: holder.name)
    return listed + sorted(groups, key=lambda holder: holder.name)


def grantee_find(*, user: str | None = None, group: str | None = None) -> User | Group:
    """The person (by username, any case) or the group (by name) a grant names; 404 when there is none.

    Whether the person may be given this client's projects is the service's rule
    (``refuse_another_clients``), answered with the same 404.
    """
    if "\x00" in (user or group or ""):  # PostgreSQL refuses NUL in text: no such name
        raise Http404(NOT_GRANTABLE)
    if user:
        matches = list(User.objects.filter(username__iexact=user.strip())[:2])
        found = next((match for match in matches if match.get_username() == user.strip()), None)
        found = found or (matches[0] if len(matches) == 1 else None)
    else:
        found = Group.objects.filter(name=(group or "").strip()).first()
    if found is None:
        raise Http404(NOT_GRANTABLE)
    return found
