"""Reads on environments and routing rules; visibility comes from ``tenancy.access``."""

from deployments.models import CustomerCloudEnvironment, RoutingRule
from projects.models import Project
from tenancy.access import restrict_under


def environment_for(*, user, project: Project) -> CustomerCloudEnvironment | None:
    return (
        restrict_under(CustomerCloudEnvironment.objects.all(), user=user, parent=project)
        .select_related("access_approved_by", "residency_confirmed_by")
        .first()
    )


def routing_rules_for(*, user, project: Project) -> list[RoutingRule]:
    return list(restrict_under(RoutingRule.objects.all(), user=user, parent=project).order_by("position"))
