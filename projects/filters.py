"""The project list's filters in the browser: search, client, stage, deployment, readiness, approvals."""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse_lazy

from core.keyset import KeyOrder
from projects.models import ApprovalRequest, DeploymentModel, HostingApproach, Project, Stage, TicketReference
from projects.models.summary import NOT_ASSESSED, READINESS_CHOICES
from projects.selectors import clients_named, tickets_by_key

#: The list's order when no other is asked for: by project name, then id, so that pages are stable and
#: follow an index (see ``ProjectListFilter.key_order``).
DEFAULT_ORDER = KeyOrder("name")
#: The other sorts whose pages can be found by position: columns of the project itself, never blank.
KEYSET_SORTS = {"code", "stage", "updated_at"}


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Sorts with blanks (e.g. a project not yet estimated) last either way, and the id as a tie-break."""

    def filter(self, qs, value):
        if not value:
            return qs
        fields = [self.get_ordering_value(param) for param in value]
        return qs.order_by(
            *(F(f[1:]).desc(nulls_last=True) if f.startswith("-") else F(f).asc(nulls_last=True) for f in fields), "pk"
        )


class ProjectListForm(forms.Form):
    #: The reader, set by ``ProjectListFilter``.
    user = None

    def clean_tenant(self):
        """The ids of the reader's clients the client field names (see ``clients_named``)."""
        text = self.cleaned_data.get("tenant", "")
        if not text:
            return []
        ids = clients_named(user=self.user, text=text)
        if not ids:
            raise forms.ValidationError(f"No client of yours has “{text}” in its name.")
        return ids


class ProjectListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", help_text="Code, name or ticket key.")
    tenant = django_filters.CharFilter(
        method="by_client",
        label="Client",
        help_text="Type part of a client's name; leave empty for every client.",
        widget=forms.TextInput(
            attrs={
                "list": "client-suggestions",
                "autocomplete": "off",
                # Suggestions as the person types: the clients they can see, asked of the server.
                "hx-get": reverse_lazy("project-client-suggestions"),
                "hx-trigger": "input changed delay:300ms, focus once",
                "hx-target": "#client-suggestions",
                "hx-swap": "innerHTML",
                "hx-push-url": "false",
            }
        ),
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
            ("code", "code"),
            ("stage", "stage"),
            ("updated_at", "updated"),
            ("standing__chosen_monthly", "monthly_cost"),
        ),
        field_labels={
            "code": "Code",
            "stage": "Stage",
            "updated": "Recently changed",
            "monthly_cost": "Monthly cost",
        },
        label="Sort by",
        empty_label="Name",
        help_text="By project name unless you choose another order.",
    )

    class Meta:
        model = Project
        fields = ["q", "tenant", "stage", "deployment_model", "hosting_approach", "readiness", "pending"]
        form = ProjectListForm

    def __init__(self, *args, user, **kwargs):
        """``user``: the reader, whose clients the client field is matched against."""
        super().__init__(*args, **kwargs)
        self.user = user

    @property
    def form(self):
        if not hasattr(self, "_form"):
            super().form.user = self.user
        return self._form

    @property
    def key_order(self) -> KeyOrder | None:
        """The order pages can be found in by position, or ``None`` for a sort they cannot follow."""
        sort = self.form.cleaned_data.get("sort") if self.is_bound and self.form.is_valid() else None
        if not sort:
            return DEFAULT_ORDER
        field = self.filters["sort"].get_ordering_value(sort[0]) if len(sort) == 1 else ""
        if field.lstrip("-") not in KEYSET_SORTS:
            return None
        return KeyOrder(field.lstrip("-"), descending=field.startswith("-"))

    def by_client(self, queryset, name, value):
        return queryset.filter(tenant_id__in=value)

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
