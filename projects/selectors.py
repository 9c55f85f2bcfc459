"""Reads on projects. Visibility always comes from ``accounts.access``."""

from accounts.access import Action, restrict
from accounts.models import Tenant
from projects.models import Project


def project_list(*, user, action: Action = Action.VIEW, tenant: Tenant | None = None):
    projects = restrict(Project.objects.select_related("tenant", "delivery_lead"), user=user, action=action)
    if tenant is not None:
        projects = projects.filter(tenant=tenant)
    return projects.order_by("tenant__name", "name", "pk")


def tenant_list(*, user, action: Action = Action.VIEW):
    return restrict(Tenant.objects.all(), user=user, action=action).order_by("name")
