"""``api.rows``: a page read as ``.values()`` rows is represented exactly as its instances are."""

import pytest
from django.db.models import Prefetch, Value
from django.db.models.functions import NullIf
from django.utils import timezone

from projects.api.serializers import ProjectListSerializer
from projects.models import Project, TicketReference
from projects.services.projects import ticket_link
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _projects():
    return Project.objects.annotate(readiness_status=NullIf("standing__readiness_status", Value(""))).order_by("-id")


@pytest.mark.parametrize("zone", ["UTC", "Asia/Bangkok", "America/St_Johns"])
def test_rows_and_instances_give_the_same_json_in_any_current_time_zone(tenant, people, zone):
    for n in range(3):
        project = ProjectFactory(tenant=tenant, code=f"ROW-{n}", delivery_lead=people["lead"] if n else None)
        for key in [f"OPS-{n}", f"OPS-{n}0"][:n]:
            ticket_link(project=project, actor=people["lead"], system="jira", key=key)
    instances = (
        _projects()
        .select_related("tenant", "delivery_lead")
        .prefetch_related(Prefetch("tickets", queryset=TicketReference.objects.order_by("pk")))
    )
    rows = _projects().values(*ProjectListSerializer().row_columns())
    with timezone.override(zone):
        from_rows = ProjectListSerializer(rows, many=True).data
        from_instances = ProjectListSerializer(list(instances), many=True).data
    assert from_rows == from_instances
    assert [len(project["tickets"]) for project in from_rows] == [2, 1, 0]
    # In the current time zone, as DRF writes a date-time: "Z" for UTC, the zone's offset otherwise.
    assert from_rows[0]["updated_at"].endswith("Z") == (zone == "UTC")
