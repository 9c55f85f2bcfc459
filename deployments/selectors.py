"""Reads on environments and routing rules; visibility comes from ``tenancy.access``."""

from deployments.models import CustomerCloudEnvironment, RoutingRule
from projects.models import Project
from tenancy.access import Action, restrict


def environment_for(*, user, project: Project) -> CustomerCloudEnvironment | None:
    return (
        restrict(CustomerCloudEnvironment.objects.filter(project=project), user=user, action=Action.VIEW)
        .select_related("access_approved_by", "residency_confirmed_by")
        .first()
    )


def routing_rules_for(*, user, project: Project) -> list[RoutingRule]:
    return list(
        restrict(RoutingRule.objects.filter(project=project), user=user, action=Action.VIEW).order_by("position")
    )
