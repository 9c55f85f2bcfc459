"""The ticket keys webhook events carry: registered with the webhooks room (``ProjectsConfig.ready``),
which sits below projects and asks through ``webhooks.services.ticket_provider_register``."""

from collections.abc import Iterable

from projects.models import TicketReference


def tickets_of_projects(project_ids: Iterable[int]) -> dict[tuple[int, int], list[dict]]:
    """Every ticket of these projects in one query, keyed by (tenant id, project id), in the
    model's order (system, then key)."""
    tickets: dict[tuple[int, int], list[dict]] = {}
    rows = TicketReference.objects.filter(project_id__in=set(project_ids)).order_by("project_id", "system", "key")
    for tenant_id, project_id, system, key, url in rows.values_list("tenant_id", "project_id", "system", "key", "url"):
        tickets.setdefault((tenant_id, project_id), []).append({"system": system, "key": key, "url": url})
    return tickets
