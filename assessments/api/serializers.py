"""Gate evidence and cost plans in the API: what they say, and the bodies that change them."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments import readiness
from assessments.models import GateEvidence, HybridMode, Redundancy
from assessments.services.cost_plans import cost_plan_of, plan_inputs, plan_origins
from assessments.services.gates import EVIDENCE_ITEMS, evidence_not_counting_because

#: The checklist items evidence can satisfy, as choices (named ``EvidenceItemEnum`` in the schema).
EVIDENCE_ITEM_CHOICES = list(EVIDENCE_ITEMS.items())


class GateEvidenceSerializer(serializers.ModelSerializer):
    """One piece of evidence. ``counts`` and ``not_counting_because`` are for the client's today
    (``today`` in the context), by the readiness engine's own rule."""

    item_title = serializers.SerializerMethodField()
    url = serializers.URLField(read_only=True, allow_blank=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    accepted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    withdrawn_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    current = serializers.BooleanField(source="is_current", read_only=True, help_text="Not withdrawn.")
    counts = serializers.SerializerMethodField(
        help_text="Whether it satisfies its checklist item today (the client's day): current, not expired "
        "and, where the client confirms the item, accepted."
    )
    not_counting_because = serializers.SerializerMethodField(
        help_text="Why it does not count (withdrawn, expired, waiting for the client's acceptance); "
        "null when it counts."
    )
    needs_client_acceptance = serializers.SerializerMethodField(
        help_text="The item is the client's to confirm: the evidence counts once a customer admin or "
        "approver accepts it."
    )

    class Meta:
        model = GateEvidence
        fields = [
            "id",
            "project",
            "item",
            "item_title",
            "note",
            "url",
            "reference",
            "expires_on",
            "recorded_by",
            "recorded_at",
            "accepted_by",
            "accepted_at",
            "withdrawn_by",
            "withdrawn_at",
            "current",
            "counts",
            "not_counting_because",
            "needs_client_acceptance",
        ]
        # Written through the gate services only: its relations are never offered as choices.
        read_only_fields = fields

    def get_item_title(self, evidence) -> str:
        return EVIDENCE_ITEMS.get(evidence.item, evidence.item)

    def get_counts(self, evidence) -> bool:
        return self.get_not_counting_because(evidence) is None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_not_counting_because(self, evidence):
        return evidence_not_counting_because(evidence, today=self.context["today"])

    def get_needs_client_acceptance(self, evidence) -> bool:
        return evidence.item in readiness.CLIENT_ACCEPTED


class GateEvidenceRecordSerializer(serializers.Serializer):
    """Recording evidence for an item replaces the item's current evidence (its history is kept
    only through withdrawals); a change to evidence the client accepted needs their acceptance again."""

    item = serializers.ChoiceField(choices=EVIDENCE_ITEM_CHOICES, help_text="The checklist item it satisfies.")
    # Blank is the service's to refuse, with its rule ("Say what the evidence is.").
    note = serializers.CharField(allow_blank=True, help_text="What the evidence is, in a sentence or two.")
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    reference = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="A document reference, e.g. a contract clause or a ticket.",
    )
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="YYYY-MM-DD, today or later in the client's time zone; after this day the evidence no longer "
        "counts. Null: it does not expire.",
    )


class CostPlanValuesSerializer(serializers.Serializer):
    """The fields of a cost plan, in per cent for shares. In a write, each is optional and null or
    "" leaves it to the defaults (the client's, then the platform's); fields not sent stay as they are."""

    api_model = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="provider:model with a price in the catalog."
    )
    size_class = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="Model size class in the catalog, e.g. 8b, 70b."
    )
    gpu_instance = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="GPU instance type in the catalog, e.g. g5.xlarge."
    )
    hardware_profile = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="On-premises server in the catalog; blank: the one matching the GPU.",
    )
    on_premises_redundancy = serializers.ChoiceField(
        choices=Redundancy.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="n_plus_one: one spare server for availability; none: no spare.",
    )
    utilisation_percent = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True, help_text="1 to 100."
    )
    min_replicas = serializers.IntegerField(required=False, allow_null=True, help_text="1 to 1000.")
    staff_fte = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text="Full-time engineers, 0 to 100.",
    )
    staff_loaded_monthly = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True, help_text="USD a month per engineer."
    )
    hybrid_mode = serializers.ChoiceField(choices=HybridMode.choices, required=False, allow_null=True, allow_blank=True)
    hybrid_self_hosted_percent = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text="Share of traffic served self-hosted under hybrid, 0 to 100.",
    )
    hybrid_api_percent = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text="Share served by the cloud API, 0 to 100; with the self-hosted share, adds up to 100.",
    )
    electricity_per_kwh = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True, help_text="USD per kWh, 0 to 10."
    )
    colocation_per_kw_month = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True, help_text="USD per kW a month."
    )
    pue = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True, help_text="1 to 3."
    )


class CostPlanSerializer(serializers.Serializer):
    """A project's cost plan: what the project sets (null: left to the defaults), what is in force
    and where each value in force comes from."""

    project = serializers.IntegerField(source="pk", read_only=True)
    plan = CostPlanValuesSerializer(read_only=True, help_text="The project's own values; null: left to the defaults.")
    in_force = CostPlanValuesSerializer(read_only=True, help_text="The values the next estimate uses.")
    origins = serializers.DictField(
        child=serializers.ChoiceField(choices=["project", "tenant", "platform"]),
        read_only=True,
        help_text="For each field in force: the project's own value, the client's default or the platform's.",
    )

    def to_representation(self, project):
        profile, in_force = cost_plan_of(project)
        return {
            "project": project.pk,
            "plan": _values(plan_inputs(profile)),
            "in_force": _values(plan_inputs(in_force)),
            "origins": plan_origins(in_force),
        }


def _values(inputs: dict) -> dict:
    return {name: (str(value) if isinstance(value, Decimal) else value) for name, value in inputs.items()}
