import django_filters
from django.db.models import Exists, OuterRef

from api.feeds import ChangesFilterSet
from api.references import visible
from projects.models import (
    ApprovalPolicy,
    ApprovalRequest,
    DeploymentModel,
    FreezeWindow,
    HostingApproach,
    Project,
    Stage,
    TicketReference,
)
from projects.selectors import tickets_by_key, waiting_for
from tenancy.models import Tenant


class ProjectFilter(ChangesFilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    deployment_model = django_filters.ChoiceFilter(choices=DeploymentModel.choices)
    hosting_approach = django_filters.ChoiceFilter(choices=HostingApproach.choices)
    tenant = django_filters.ModelChoiceFilter(queryset=visible(Tenant), to_field_name="slug", label="Client (slug)")
    ticket = django_filters.CharFilter(
        method="by_ticket", label="External ticket key: exact, whatever its case (ai-42 finds AI-42, AI-4 does not)"
    )
    readiness_status = django_filters.ChoiceFilter(
        choices=[("ready", "Ready"), ("at_risk", "At risk"), ("blocked", "Blocked")]
    )

    class Meta:
        model = Project
        fields = [
            "stage",
            "deployment_model",
            "hosting_approach",
            "tenant",
            "ticket",
            "readiness_status",
        ]

    def by_ticket(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            Exists(tickets_by_key(value, queryset=TicketReference.objects.filter(project=OuterRef("pk"))))
        )


class TicketFilter(ChangesFilterSet):
    changes_field = "created_at"  # a link never changes: it is made, or removed

    key = django_filters.CharFilter(
        method="by_key", label="Ticket key: exact, whatever its case (ai-42 finds AI-42, AI-4 does not)"
    )
    system = django_filters.ChoiceFilter(choices=TicketReference.System.choices)
    tenant = django_filters.ModelChoiceFilter(queryset=visible(Tenant), to_field_name="slug", label="Client (slug)")

    class Meta:
        model = TicketReference
        fields = ["key", "system", "tenant"]

    def by_key(self, queryset, name, value):
        return tickets_by_key(value, queryset=queryset) if value.strip() else queryset


class ApprovalRequestFilter(ChangesFilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalRequest.Status.choices)
    project = django_filters.ModelChoiceFilter(queryset=visible(Project), label="Project (id)")
    tenant = django_filters.ModelChoiceFilter(queryset=visible(Tenant), to_field_name="slug", label="Client (slug)")
    # A choice, not a BooleanFilter, which would ignore a value it cannot read (see GateEvidenceFilter).
    waiting_for_me = django_filters.ChoiceFilter(
        choices=[("true", "Waiting for the caller's decision"), ("false", "Not waiting for it")],
        method="by_waiting",
        label="true: the pending requests the caller may still decide (their approval inbox); false: every other one",
    )

    class Meta:
        model = ApprovalRequest
        fields = ["status", "project", "tenant", "waiting_for_me"]

    def by_waiting(self, queryset, name, value):
        waiting = waiting_for(self.request.user).values("pk")
        return queryset.filter(pk__in=waiting) if value == "true" else queryset.exclude(pk__in=waiting)


class ApprovalPolicyFilter(ChangesFilterSet):
    tenant = django_filters.ModelChoiceFilter(queryset=visible(Tenant), to_field_name="slug", label="Client (slug)")

    class Meta:
        model = ApprovalPolicy
        fields = ["tenant"]


class FreezeWindowFilter(ApprovalPolicyFilter):
    class Meta(ApprovalPolicyFilter.Meta):
        model = FreezeWindow
