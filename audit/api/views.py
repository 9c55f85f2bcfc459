"""The audit log over the API: the events of the tenants the caller manages, and their CSV export."""

import csv

import django_filters
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from api.feeds import ChangesFilterSet
from api.fields import JSON_OBJECT, DocumentField
from api.filters import IntegerFilter, UtcIsoDateTimeFilter
from api.references import visible
from api.serializers import ModelSerializer
from audit.models import AuditEvent
from tenancy.access import Action, restrict
from tenancy.models import Tenant


def _values(help_text: str):
    return DocumentField(shape=JSON_OBJECT, read_only=True, allow_null=True, help_text=help_text)


class AuditEventSerializer(ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    before = _values("The fields the action changed, as they were (each action records its own); null: none.")
    after = _values("The fields the action changed, as they are now; null: none.")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "tenant",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "project_id",
            "before",
            "after",
            "source",
            "request_id",
            "created_at",
        ]


class AuditEventFilter(ChangesFilterSet):
    """``tenant`` names a client the reader manages; ``project`` and ``actor`` match what the log
    recorded (so events of since-deleted projects and people stay findable; an id or name the
    reader cannot see matches nothing, exactly like one that never existed). With
    ``updated_since``, the log is the changes feed of everything the reader manages, deletions included."""

    changes_field = "created_at"

    tenant = django_filters.ModelChoiceFilter(
        queryset=visible(Tenant, Action.MANAGE), to_field_name="slug", label="Client (slug)"
    )
    action = django_filters.CharFilter()
    project = IntegerFilter(field_name="project_id")
    actor = django_filters.CharFilter(field_name="actor_name")
    source = django_filters.ChoiceFilter(choices=AuditEvent.Source.choices)
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["tenant", "action", "project", "actor", "source", "since", "until"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log of the tenants the caller manages (customer admins) or every tenant (platform admins)."""

    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()  # per caller: see get_queryset
    filterset_class = AuditEventFilter
    search_fields = ["object_repr", "actor_name", "request_id"]
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        managed = restrict(Tenant.objects.all(), user=self.request.user, action=Action.MANAGE)
        events = AuditEvent.objects.select_related("tenant")
        if not self.request.user.is_platform_admin:
            events = events.filter(tenant__in=managed)
        return events

    @extend_schema(
        # The list's filters and search select the rows; the export is always in time order.
        filters=True,
        responses={
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="The events the list's filters and search select, as CSV (UTF-8), one row per event, "
                "oldest first.",
            )
        },
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        events = self.filter_queryset(self.get_queryset()).order_by("created_at", "pk")
        columns = [
            "id",
            "created_at",
            "tenant",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "source",
            "request_id",
            "before",
            "after",
        ]

        def rows():
            class Echo:
                def write(self, value):
                    return value

            writer = csv.writer(Echo())
            yield writer.writerow(columns)
            for event in events.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        event.pk,
                        event.created_at.isoformat(),
                        event.tenant.slug if event.tenant else "",
                        event.actor_name,
                        event.action,
                        event.object_type,
                        event.object_id,
                        event.object_repr,
                        event.source,
                        event.request_id,
                        event.before,
                        event.after,
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="stagegate-audit.csv"'
        return response
