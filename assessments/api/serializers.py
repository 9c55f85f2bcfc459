"""Gate evidence, cost plans, clients' cost defaults and provider certifications in the API: what
they say, and the bodies that change them."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import ModelSerializer, Serializer
from assessments import readiness
from assessments.models import GateEvidence, HybridMode, ProviderCertification, Redundancy
from assessments.readiness.certifications import CERTIFICATIONS
from assessments.services.cost_plans import (
    COST_PLAN_UNKNOWN,
    cost_plan_of,
    plan_inputs,
    plan_origins,
    tenant_cost_defaults_of,
)
from assessments.services.gates import EVIDENCE_ITEMS, evidence_not_counting_because
from projects.api.serializers import EvidenceWhereSerializer

#: The checklist items evidence can satisfy, as choices (named ``EvidenceItemEnum`` in the schema).
EVIDENCE_ITEM_CHOICES = list(EVIDENCE_ITEMS.items())


class GateEvidenceSerializer(ModelSerializer):
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


class GateEvidenceRecordSerializer(EvidenceWhereSerializer):
    """Recording evidence for an item replaces the item's current evidence (its history is kept
    only through withdrawals); a change to evidence the client accepted needs their acceptance again."""

    item = serializers.ChoiceField(choices=EVIDENCE_ITEM_CHOICES, help_text="The checklist item it satisfies.")
    # Blank is the service's to refuse, with its rule ("Say what the evidence is.").
    note = serializers.CharField(allow_blank=True, help_text="What the evidence is, in a sentence or two.")
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="YYYY-MM-DD, today or later in the client's time zone; after this day the evidence no longer "
        "counts. Null: it does not expire.",
    )


def _optional_text(help_text: str, *, choices=None):
    """A cost plan's text field: optional, and null or "" leaves it to the defaults."""
    if choices is not None:
        return serializers.ChoiceField(
            choices=choices, required=False, allow_null=True, allow_blank=True, help_text=help_text
        )
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text=help_text)


def _optional_number(help_text: str):
    """A cost plan's number: optional, null leaves it to the defaults; the service checks its range
    (``services.cost_plans.NUMBER_INPUTS``), so every bound is said once."""
    return serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True, help_text=help_text
    )


class CostPlanValuesSerializer(Serializer):
    """The fields of a cost plan, in per cent for shares. In a write, each is optional and null or
    "" leaves it to the defaults (the client's, then the platform's); fields not sent stay as they are."""

    unknown_field_message = COST_PLAN_UNKNOWN  # the service's words

    api_model = _optional_text("provider:model with a price in the catalog.")
    size_class = _optional_text("Model size class in the catalog, e.g. 8b, 70b.")
    gpu_instance = _optional_text("GPU instance type in the catalog, e.g. g5.xlarge.")
    hardware_profile = _optional_text("On-premises server in the catalog; blank: the one matching the GPU.")
    on_premises_redundancy = _optional_text(
        "n_plus_one: one spare server for availability; none: no spare.", choices=Redundancy.choices
    )
    utilisation_percent = _optional_number("1 to 100.")
    min_replicas = serializers.IntegerField(required=False, allow_null=True, help_text="1 to 1000.")
    staff_fte = _optional_number("Full-time engineers, 0 to 100.")
    staff_loaded_monthly = _optional_number("USD a month per engineer.")
    hybrid_mode = _optional_text(
        "share: a share of traffic self-hosted; base_and_burst: base load self-hosted, bursts to the API.",
        choices=HybridMode.choices,
    )
    hybrid_self_hosted_percent = _optional_number("Share of traffic served self-hosted under hybrid, 0 to 100.")
    hybrid_api_percent = _optional_number(
        "Share served by the cloud API, 0 to 100; with the self-hosted share, adds up to 100."
    )
    electricity_per_kwh = _optional_number("USD per kWh, 0 to 10.")
    colocation_per_kw_month = _optional_number("USD per kW a month.")
    pue = _optional_number("1 to 3.")


def cost_plan_fields(data) -> dict:
    """A write's cost plan fields (a project's plan or a client's defaults), typed by
    ``CostPlanValuesSerializer``. Any other name is refused by name with the rest of the body's
    errors (``api.serializers.JsonTypes``), never passed on to the service beside its own arguments."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Send a JSON object of cost plan fields."]})
    parsed = CostPlanValuesSerializer(data=data, partial=True)
    parsed.is_valid(raise_exception=True)
    return dict(parsed.validated_data)


class CostPlanSerializer(Serializer):
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


class TenantCostDefaultsSerializer(Serializer):
    """A client's defaults behind its projects' cost plans: what the client sets (null: the
    platform's default), what is in force and where each value in force comes from."""

    tenant = serializers.SlugField(source="slug", read_only=True)
    defaults = CostPlanValuesSerializer(read_only=True, help_text="The client's own values; null: the platform's.")
    in_force = CostPlanValuesSerializer(
        read_only=True, help_text="What a project's plan takes for a field it leaves empty."
    )
    origins = serializers.DictField(
        child=serializers.ChoiceField(choices=["tenant", "platform"]),
        read_only=True,
        help_text="For each field in force: the client's own value or the platform's.",
    )

    def to_representation(self, tenant):
        defaults, in_force = tenant_cost_defaults_of(tenant)
        return {
            "tenant": tenant.slug,
            "defaults": _values(plan_inputs(defaults)),
            "in_force": _values(plan_inputs(in_force)),
            "origins": plan_origins(in_force),
        }


class ProviderCertificationSerializer(ModelSerializer):
    """One certification or agreement a provider holds, in one region or (region "") in all, with
    the day it was checked and where."""

    class Meta:
        model = ProviderCertification
        fields = ["id", "provider", "provider_name", "region", "certification", "verified_on", "source"]
        read_only_fields = fields


class ProviderCertificationRecordSerializer(Serializer):
    """Record a certification, or a re-check of one already recorded (same provider, region and
    certification: its date, source and name are updated)."""

    provider = serializers.CharField(max_length=64, help_text="Provider key, e.g. openai, anthropic, aws, azure, gcp.")
    provider_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Empty: the name already on record."
    )
    region = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Empty: every region of the provider."
    )
    certification = serializers.ChoiceField(choices=list(CERTIFICATIONS.items()))
    verified_on = serializers.DateField(help_text="The day the source was checked; not in the future.")
    source = serializers.CharField(max_length=200, help_text="Where it can be checked again.")
