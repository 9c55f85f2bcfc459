"""The project list's filters in the browser: search, client, stage, deployment, readiness, approvals."""

import django_filters
from django.db.models import Exists, F, OuterRef, Q

from projects.models import ApprovalRequest, DeploymentModel, HostingApproach, Project, Stage, TicketReference
from projects.selectors import NOT_ASSESSED, READINESS_CHOICES, tickets_by_key


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Sorts with blanks (e.g. a project not yet estimated) last either way, and the id as a tie-break."""

    def filter(self, qs, value):
        if not value:
            return qs
        fields = [self.get_ordering_value(param) for param in value]
        return qs.order_by(
            *(F(f[1:]).desc(nulls_last=True) if f.startswith("-") else F(f).asc(nulls_last=True) for f in fields), "pk"
        )


class ProjectListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", help_text="Code, name or ticket key.")
    tenant = django_filters.ChoiceFilter(
        field_name="tenant__slug", choices=[], label="Client", empty_label="All clients"
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    deployment_model = django_filters.ChoiceFilter(
        choices=DeploymentModel.choices, label="Runs as", empty_label="Either way"
    )
    hosting_approach = django_filters.ChoiceFilter(
        choices=HostingApproach.choices, label="Models", empty_label="Any hosting"
    )
    readiness = django_filters.ChoiceFilter(
        choices=READINESS_CHOICES, method="by_readiness", label="Readiness", empty_label="Any readiness"
    )
    pending = django_filters.ChoiceFilter(
        choices=[("true", "Waiting"), ("false", "Not waiting")],
        method="by_pending",
        label="Approval",
        empty_label="Waiting or not",
    )
    sort = NullsLastOrderingFilter(
        fields=(
            ("name", "name"),
            ("code", "code"),
            ("stage", "stage"),
            ("updated_at", "updated"),
            ("standing__chosen_monthly", "monthly_cost"),
        ),
        field_labels={
            "name": "Name",
            "code": "Code",
            "stage": "Stage",
            "updated": "Recently changed",
            "monthly_cost": "Monthly cost",
        },
        label="Sort by",
        empty_label="Client and name",
    )

    class Meta:
        model = Project
        fields = ["q", "tenant", "stage", "deployment_model", "hosting_approach", "readiness", "pending"]

    def __init__(self, *args, tenants: list[tuple[str, str]], **kwargs):
        """``tenants``: the (slug, name) of each client the person may pick."""
        super().__init__(*args, **kwargs)
        self.filters["tenant"].extra["choices"] = tenants

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        tickets = tickets_by_key(value, queryset=TicketReference.objects.filter(project=OuterRef("pk")))
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(Exists(tickets)))

    def by_readiness(self, queryset, name, value):
        if value == NOT_ASSESSED:
            return queryset.filter(Q(standing__isnull=True) | Q(standing__readiness_status=""))
        return queryset.filter(standing__readiness_status=value)

    def by_pending(self, queryset, name, value):
        pending = ApprovalRequest.objects.filter(project=OuterRef("pk"), status=ApprovalRequest.Status.PENDING)
        return queryset.filter(Exists(pending) if value == "true" else ~Exists(pending))
