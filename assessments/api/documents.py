"""The JSON documents stored with assessments, cost estimates and jobs, described for the OpenAPI
schema. The writers are ``services.assessments.assessment_result`` and ``assessments_run`` (the
engine's facts), ``services.estimates._estimate_row`` and ``cost_inputs`` (the engine's inputs and
the catalog rows used), ``CostPlan.record`` and the job runners (``tasks``, ``jobs``); the parts
written from dataclasses are described from them (``api.documents``).

Every field is optional (``api.documents``); the API answers the documents as stored."""

import typing
from dataclasses import fields

from rest_framework import serializers

from api.documents import dataclass_serializer, document_field, optional
from api.serializers import Serializer
from assessments import costs, readiness
from assessments.cost_plan import CostPlan, Origin
from assessments.models import HybridMode

ORIGINS = [Origin.PROJECT, Origin.TENANT, Origin.PLATFORM]


def _money(help_text: str = "", **kwargs):
    """An amount in USD (or a share, a rate) as stored: decimal text."""
    return serializers.DecimalField(max_digits=None, decimal_places=None, required=False, help_text=help_text, **kwargs)


# --- A readiness assessment -----------------------------------------------------------------------


class OptionFitSerializer(Serializer):
    """How well one hosting approach or deployment model suits the project (``readiness.Fit``)."""

    label = optional(serializers.CharField)
    score = optional(serializers.IntegerField, help_text="0 to 100.")
    excluded = optional(serializers.BooleanField, help_text="Ruled out, whatever its score.")
    reasons = optional(serializers.ListField, child=dataclass_serializer(readiness.Reason, prefix="Readiness")())


class RecommendationWhySerializer(Serializer):
    hosting = optional(serializers.CharField, help_text="Why the recommended hosting approach wins.")
    deployment = optional(serializers.CharField, help_text="Why the recommended deployment model wins.")


class AssessmentResultSerializer(Serializer):
    """Every option's fit with its reasons, the mismatches, the checklist, and why the recommended
    options win (the page reads the same document)."""

    hosting = optional(serializers.DictField, child=OptionFitSerializer(), help_text="By hosting approach.")
    deployment = optional(serializers.DictField, child=OptionFitSerializer(), help_text="By deployment model.")
    mismatches = optional(serializers.ListField, child=dataclass_serializer(readiness.Mismatch, prefix="Readiness")())
    checklist = optional(
        serializers.ListField, child=dataclass_serializer(readiness.ChecklistItem, prefix="Readiness")()
    )
    blocking = optional(serializers.ListField, child=serializers.CharField())
    why = optional(RecommendationWhySerializer)


#: The facts the readiness engine was given (``readiness.ProjectFacts``), as stored.
AssessmentInputsSerializer = dataclass_serializer(readiness.ProjectFacts, prefix="Readiness")


# --- A cost estimate ------------------------------------------------------------------------------


class CostOptionDetailSerializer(Serializer):
    """How an option's cost is made up; each option gives the parts it has."""

    requests = _money("Cloud API: requests a month sent to the API.")
    per_request = _money("Cloud API: USD a request.")
    instances = optional(serializers.IntegerField, help_text="Rented GPU instances.")
    instance_gpus = optional(serializers.IntegerField)
    replicas = optional(serializers.IntegerField, help_text="Model replicas serving.")
    gpu_hours = _money()
    instances_cost = _money()
    staff = _money()
    servers = optional(serializers.IntegerField, help_text="On premises: servers bought, spares included.")
    serving_servers = optional(serializers.IntegerField)
    spare_servers = optional(serializers.IntegerField)
    gpus = optional(serializers.IntegerField)
    power = _money()
    colocation = _money()
    maintenance = _money()
    upfront = _money("Estimates stored before options carried their upfront cost kept it here.")
    mode = optional(serializers.ChoiceField, choices=HybridMode.choices, help_text="Hybrid: how it splits.")
    self_hosted_share = _money("Hybrid (share): the share of traffic served self-hosted, 0 to 1.")
    burst_share = _money("Hybrid (base and burst): the share of traffic overflowing to the API, 0 to 1.")
    self_hosted = _money("Hybrid: the self-hosted part a month.")
    cloud_api = _money("Hybrid: the API part a month.")


class CostOptionSerializer(Serializer):
    monthly = _money("Running cost a month plus amortisation.")
    running_monthly = _money()
    amortisation = _money()
    upfront = _money("Bought before the first month (owned servers).")
    total_36_months = _money()
    capacity = optional(serializers.IntegerField, allow_null=True, help_text="Requests a month it was sized for.")
    detail = optional(CostOptionDetailSerializer)


class BreakEvenSerializer(Serializer):
    requests = optional(
        serializers.IntegerField, allow_null=True, help_text="Null: none within capacity, the API is cheaper."
    )
    note = optional(serializers.CharField)


class CostViewsSerializer(Serializer):
    monthly = optional(serializers.CharField)
    total_36_months = optional(serializers.CharField)


class CostEstimateResultSerializer(Serializer):
    """Each option priced (by name: cloud_api, self_hosted_cloud, on_premises, hybrid), the cheapest,
    the break-even volumes and the budget gap."""

    views = optional(CostViewsSerializer, help_text="What the monthly and the 36-month figures mean.")
    options = optional(serializers.DictField, child=CostOptionSerializer())
    cheapest = optional(serializers.CharField)
    break_even_requests = optional(serializers.IntegerField, allow_null=True)
    break_even_note = optional(serializers.CharField)
    break_evens = optional(serializers.DictField, child=BreakEvenSerializer())
    cost_per_1000_requests = optional(serializers.DictField, child=_money())
    budget_gap = optional(serializers.DictField, child=_money(), allow_null=True)


def _plan_value_serializer(hint) -> type[serializers.Serializer]:
    value = document_field(hint, prefix="CostPlan", required=False)
    name = {"str": "Text", "int": "Count", "Decimal": "Number"}[hint.__name__]
    return type(
        f"CostPlan{name}ValueSerializer",
        (serializers.Serializer,),
        {"value": value, "from": optional(serializers.ChoiceField, choices=ORIGINS)},
    )


def _plan_record_serializer() -> type[serializers.Serializer]:
    """``CostPlan.record()``: each field of the plan, its value and where it came from."""
    by_type, declared, hints = {}, {}, typing.get_type_hints(CostPlan)
    for item in fields(CostPlan):
        if item.name == "origins":
            continue
        hint = hints[item.name]
        if hint not in by_type:
            by_type[hint] = _plan_value_serializer(hint)
        declared[item.name] = by_type[hint](required=False)
    return type("CostPlanRecordSerializer", (serializers.Serializer,), declared)


CostPlanRecordSerializer = _plan_record_serializer()


class CatalogRowSerializer(Serializer):
    """A catalog row the estimate was priced from (the fields its kind has)."""

    id = optional(serializers.IntegerField)
    key = optional(serializers.CharField, help_text="API price: provider:model.")
    name = optional(serializers.CharField, help_text="Server: its name.")
    instance = optional(serializers.CharField, help_text="GPU price: the instance type.")
    provider = optional(serializers.CharField)
    region = optional(serializers.CharField)
    engine = optional(serializers.CharField, help_text="Throughput: the serving engine it was measured on.")
    effective_from = optional(serializers.CharField, help_text="From when the price applies (date or date-time).")
    source = optional(serializers.CharField)
    chosen = optional(serializers.CharField, help_text="Server: why this one.")
    not_where_it_runs = optional(
        serializers.CharField, allow_null=True, help_text="GPU price: why it is not the price where the project runs."
    )


class DiscountRowSerializer(Serializer):
    id = optional(serializers.IntegerField)
    discount = _money("0 to 1.")


class CostSourcesSerializer(Serializer):
    api_price = optional(CatalogRowSerializer)
    gpu_price = optional(CatalogRowSerializer)
    throughput = optional(CatalogRowSerializer)
    discount = optional(DiscountRowSerializer, allow_null=True, help_text="The client's negotiated discount.")
    hybrid_split = optional(serializers.CharField, help_text="Where the hybrid's split came from.")
    hardware = optional(CatalogRowSerializer, allow_null=True, help_text="Null: no server can run the model.")
    server_throughput = optional(CatalogRowSerializer)


def _engine_input(cls, **kwargs):
    return dataclass_serializer(cls, prefix="Cost")(required=False, **kwargs)


class CostEstimateInputsSerializer(Serializer):
    """What the cost engine was given (null where the option does not apply: no cloud prices at a
    site without cloud access, no server when the catalog has none for the model)."""

    workload = _engine_input(costs.Workload)
    price = _engine_input(costs.ApiPrice, allow_null=True)
    replica = _engine_input(costs.GpuReplica, allow_null=True)
    instance = _engine_input(costs.CloudInstance, allow_null=True)
    split = _engine_input(costs.HybridSplit, allow_null=True)
    staff = _engine_input(costs.Staff)
    server = _engine_input(costs.OnPremServer, allow_null=True)
    server_replica = _engine_input(costs.GpuReplica, allow_null=True)
    cloud = optional(serializers.BooleanField, help_text="False: the site has no cloud access.")
    monthly_budget = _money(allow_null=True)
    sources = optional(CostSourcesSerializer, help_text="The catalog rows used.")
    plan = optional(CostPlanRecordSerializer)


# --- A job ----------------------------------------------------------------------------------------


class JobResultSerializer(Serializer):
    """What a finished job did (empty while it runs, or when it failed: see ``error``); each kind
    gives its own counts."""

    projects = optional(serializers.IntegerField, help_text="Projects evaluated.")
    stored = optional(serializers.IntegerField, help_text="New results stored.")
    unchanged = optional(serializers.IntegerField, help_text="Unchanged since the last run (or prices unchanged).")
    failed = optional(
        serializers.DictField,
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Project id → why its estimate could not be made.",
    )
    assessments_stored = optional(serializers.IntegerField)
    chunks = optional(serializers.IntegerField, help_text="Chunks the job was split into.")
    created = optional(serializers.IntegerField, help_text="Price import: prices recorded.")
    changed = optional(
        serializers.ListField, child=serializers.CharField(), help_text="Price import: the models whose price changed."
    )
    recalculation_job = optional(
        serializers.IntegerField, allow_null=True, help_text="Price import: the job recalculating the projects."
    )
