import django_filters

from api.feeds import ChangesFilterSet
from api.references import visible
from assessments.api.serializers import EVIDENCE_ITEM_CHOICES
from assessments.models import ApiModelPrice, Assessment, CostEstimate, GateEvidence, Job, ProviderCertification
from projects.models import Project


class JobFilter(ChangesFilterSet):
    status = django_filters.ChoiceFilter(choices=Job.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Job.Kind.choices)
    project = django_filters.ModelChoiceFilter(queryset=visible(Project), label="Project (id)")

    class Meta:
        model = Job
        fields = ["status", "kind", "project"]


class GateEvidenceFilter(django_filters.FilterSet):
    # A choice, not a BooleanFilter: that one ignores a value it cannot read (``?current=maybe``
    # would list everything); this one refuses it, naming the filter.
    current = django_filters.ChoiceFilter(
        choices=[("true", "Current"), ("false", "Withdrawn")],
        method="filter_current",
        label="Current (true) or withdrawn (false)",
    )
    item = django_filters.ChoiceFilter(choices=EVIDENCE_ITEM_CHOICES, label="Checklist item")

    class Meta:
        model = GateEvidence
        fields = ["current", "item"]

    def filter_current(self, queryset, name, value):
        return queryset.filter(withdrawn_at__isnull=value == "true")


class AssessmentFilter(ChangesFilterSet):
    changes_field = "created_at"  # a stored result never changes; a new one is stored

    class Meta:
        model = Assessment
        fields = []


class CostEstimateFilter(ChangesFilterSet):
    changes_field = "created_at"

    class Meta:
        model = CostEstimate
        fields = []


class PriceImportFilter(ChangesFilterSet):
    class Meta:
        model = Job
        fields = []


class ApiPriceFilter(ChangesFilterSet):
    changes_field = "recorded_at"  # a price is never edited: a changed price is a new row

    class Meta:
        model = ApiModelPrice
        fields = ["provider", "model"]


class ProviderCertificationFilter(ChangesFilterSet):
    class Meta:
        model = ProviderCertification
        fields = ["provider", "certification", "region"]
