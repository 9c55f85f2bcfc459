import django_filters

from api.filters import UtcIsoDateTimeFilter
from api.references import visible
from projects.models import ApprovalRequest, DeploymentModel, HostingApproach, Project, Stage
from tenancy.models import Tenant


class ProjectFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    deployment_model = django_filters.ChoiceFilter(choices=DeploymentModel.choices)
    hosting_approach = django_filters.ChoiceFilter(choices=HostingApproach.choices)
    tenant = django_filters.ModelChoiceFilter(queryset=visible(Tenant), to_field_name="slug", label="Client (slug)")
    ticket = django_filters.CharFilter(field_name="tickets__key", label="External ticket key", distinct=True)
    readiness_status = django_filters.ChoiceFilter(
        choices=[("ready", "Ready"), ("at_risk", "At risk"), ("blocked", "Blocked")]
    )
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Project
        fields = [
            "stage",
            "deployment_model",
            "hosting_approach",
            "tenant",
            "ticket",
            "readiness_status",
            "updated_since",
        ]


class ApprovalRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalRequest.Status.choices)
    project = django_filters.ModelChoiceFilter(queryset=visible(Project), label="Project (id)")
    tenant = django_filters.ModelChoiceFilter(queryset=visible(Tenant), to_field_name="slug", label="Client (slug)")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "project", "tenant"]
