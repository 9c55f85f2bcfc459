"""Writes on projects and on who may reach one project."""

from django.db import transaction
from guardian.shortcuts import assign_perm

from accounts.access import ROLE_ACTIONS, Action
from accounts.models import Role, Tenant, User
from projects.models import Project, ProjectUserObjectPermission

# The actions that exist as per-project permissions (``<action>_project``).
PROJECT_ACTIONS = (Action.VIEW, Action.CHANGE, Action.PROMOTE, Action.APPROVE)


def project_create(
    *, tenant: Tenant, name: str, code: str, delivery_lead: User | None = None, description=""
) -> Project:
    project = Project(tenant=tenant, name=name, code=code, delivery_lead=delivery_lead, description=description)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_access_grant(*, project: Project, user: User, role: Role) -> None:
    """Give ``user`` the rights of ``role`` on this one project (widening or replacing a narrowed role)."""
    project_access_revoke(project=project, user=user)
    for action in PROJECT_ACTIONS:
        if action in ROLE_ACTIONS[Role(role)]:
            assign_perm(f"projects.{action}_project", user, project)


def project_access_revoke(*, project: Project, user: User) -> None:
    """Take back every per-project right ``user`` holds on this project."""
    ProjectUserObjectPermission.objects.filter(user=user, content_object=project).delete()
