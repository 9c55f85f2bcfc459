"""The JSON documents stored with assessments, cost estimates and jobs, described for the OpenAPI
schema. The writers are ``services.assessments._assessment_result`` and ``assessments_run`` (the
engine's facts), ``services.estimates._estimate_row`` and ``cost_inputs`` (the engine's inputs and
the catalog rows used), ``CostPlan.record`` and the job runners (``tasks``, ``jobs``); the parts
written from dataclasses are described from them (``api.documents``).

Every field is optional (``api.documents``); the API answers the documents as stored."""

import typing
from dataclasses import fields

from rest_framework import serializers

from api.documents import dataclass_serializer, document_field
from assessments import costs, readiness
from assessments.cost_plan import CostPlan, Origin
from assessments.models import HybridMode

ORIGINS = [Origin.PROJECT, Origin.TENANT, Origin.PLATFORM]


def _money(help_text: str = "", **kwargs):
    """An amount in USD (or a share, a rate) as stored: decimal text."""
    return serializers.DecimalField(max_digits=None, decimal_places=None, required=False, help_text=help_text, **kwargs)


def _optional(field_class, **kwargs):
    return field_class(required=False, **kwargs)


# --- A readiness assessment -----------------------------------------------------------------------


class OptionFitSerializer(serializers.Serializer):
    """How well one hosting approach or deployment model suits the project (``readiness.Fit``)."""

    label = _optional(serializers.CharField)
    score = _optional(serializers.IntegerField, help_text="0 to 100.")
    excluded = _optional(serializers.BooleanField, help_text="Ruled out, whatever its score.")
    reasons = _optional(serializers.ListField, child=dataclass_serializer(readiness.Reason, prefix="Readiness")())


class RecommendationWhySerializer(serializers.Serializer):
    hosting = _optional(serializers.CharField, help_text="Why the recommended hosting approach wins.")
    deployment = _optional(serializers.CharField, help_text="Why the recommended deployment model wins.")


class AssessmentResultSerializer(serializers.Serializer):
    """Every option's fit with its reasons, the mismatches, the checklist, and why the recommended
    options win (the page reads the same document)."""

    hosting = _optional(serializers.DictField, child=OptionFitSerializer(), help_text="By hosting approach.")
    deployment = _optional(serializers.DictField, child=OptionFitSerializer(), help_text="By deployment model.")
    mismatches = _optional(serializers.ListField, child=dataclass_serializer(readiness.Mismatch, prefix="Readiness")())
    checklist = _optional(
        serializers.ListField, child=dataclass_serializer(readiness.ChecklistItem, prefix="Readiness")()
    )
    blocking = _optional(serializers.ListField, child=serializers.CharField())
    why = _optional(RecommendationWhySerializer)


#: The facts the readiness engine was given (``readiness.ProjectFacts``), as stored.
AssessmentInputsSerializer = dataclass_serializer(readiness.ProjectFacts, prefix="Readiness")


# --- A cost estimate ------------------------------------------------------------------------------


class CostOptionDetailSerializer(serializers.Serializer):
    """How an option's cost is made up; each option gives the parts it has."""

    requests = _money("Cloud API: requests a month sent to the API.")
    per_request = _money("Cloud API: USD a request.")
    instances = _optional(serializers.IntegerField, help_text="Rented GPU instances.")
    instance_gpus = _optional(serializers.IntegerField)
    replicas = _optional(serializers.IntegerField, help_text="Model replicas serving.")
    gpu_hours = _money()
    instances_cost = _money()
    staff = _money()
    servers = _optional(serializers.IntegerField, help_text="On premises: servers bought, spares included.")
    serving_servers = _optional(serializers.IntegerField)
    spare_servers = _optional(serializers.IntegerField)
    gpus = _optional(serializers.IntegerField)
    power = _money()
    colocation = _money()
    maintenance = _money()
    upfront = _money("Estimates stored before options carried their upfront cost kept it here.")
    mode = _optional(serializers.ChoiceField, choices=HybridMode.choices, help_text="Hybrid: how it splits.")
    self_hosted_share = _money("Hybrid (share): the share of traffic served self-hosted, 0 to 1.")
    burst_share = _money("Hybrid (base and burst): the share of traffic overflowing to the API, 0 to 1.")
    self_hosted = _money("Hybrid: the self-hosted part a month.")
    cloud_api = _money("Hybrid: the API part a month.")


class CostOptionSerializer(serializers.Serializer):
    monthly = _money("Running cost a month plus amortisation.")
    running_monthly = _money()
    amortisation = _money()
    upfront = _money("Bought before the first month (owned servers).")
    total_36_months = _money()
    capacity = _optional(serializers.IntegerField, allow_null=True, help_text="Requests a month it was sized for.")
    detail = _optional(CostOptionDetailSerializer)


class BreakEvenSerializer(serializers.Serializer):
    requests = _optional(
        serializers.IntegerField, allow_null=True, help_text="Null: none within capacity, the API is cheaper."
    )
    note = _optional(serializers.CharField)


class CostViewsSerializer(serializers.Serializer):
    monthly = _optional(serializers.CharField)
    total_36_months = _optional(serializers.CharField)


class CostEstimateResultSerializer(serializers.Serializer):
    """Each option priced (by name: cloud_api, self_hosted_cloud, on_premises, hybrid), the cheapest,
    the break-even volumes and the budget gap."""

    views = _optional(CostViewsSerializer, help_text="What the monthly and the 36-month figures mean.")
    options = _optional(serializers.DictField, child=CostOptionSerializer())
    cheapest = _optional(serializers.CharField)
    break_even_requests = _optional(serializers.IntegerField, allow_null=True)
    break_even_note = _optional(serializers.CharField)
    break_evens = _optional(serializers.DictField, child=BreakEvenSerializer())
    cost_per_1000_requests = _optional(serializers.DictField, child=_money())
    budget_gap = _optional(serializers.DictField, child=_money(), allow_null=True)


def _plan_value_serializer(hint) -> type[serializers.Serializer]:
    value = document_field(hint, prefix="CostPlan", required=False)
    name = {"str": "Text", "int": "Count", "Decimal": "Number"}[hint.__name__]
    return type(
        f"CostPlan{name}ValueSerializer",
        (serializers.Serializer,),
        {"value": value, "from": _optional(serializers.ChoiceField, choices=ORIGINS)},
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


class CatalogRowSerializer(serializers.Serializer):
    """A catalog row the estimate was priced from (the fields its kind has)."""

    id = _optional(serializers.IntegerField)
    key = _optional(serializers.CharField, help_text="API price: provider:model.")
    name = _optional(serializers.CharField, help_text="Server: its name.")
    instance = _optional(serializers.CharField, help_text="GPU price: the instance type.")
    provider = _optional(serializers.CharField)
    region = _optional(serializers.CharField)
    engine = _optional(serializers.CharField, help_text="Throughput: the serving engine it was measured on.")
    effective_from = _optional(serializers.CharField, help_text="From when the price applies (date or date-time).")
    source = _optional(serializers.CharField)
    chosen = _optional(serializers.CharField, help_text="Server: why this one.")
    not_where_it_runs = _optional(
        serializers.CharField, allow_null=True, help_text="GPU price: why it is not the price where the project runs."
    )


class DiscountRowSerializer(serializers.Serializer):
    id = _optional(serializers.IntegerField)
    discount = _money("0 to 1.")


class CostSourcesSerializer(serializers.Serializer):
    api_price = _optional(CatalogRowSerializer)
    gpu_price = _optional(CatalogRowSerializer)
    throughput = _optional(CatalogRowSerializer)
    discount = _optional(DiscountRowSerializer, allow_null=True, help_text="The client's negotiated discount.")
    hybrid_split = _optional(serializers.CharField, help_text="Where the hybrid's split came from.")
    hardware = _optional(CatalogRowSerializer, allow_null=True, help_text="Null: no server can run the model.")
    server_throughput = _optional(CatalogRowSerializer)


def _engine_input(cls, **kwargs):
    return dataclass_serializer(cls, prefix="Cost")(required=False, **kwargs)


class CostEstimateInputsSerializer(serializers.Serializer):
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
    cloud = _optional(serializers.BooleanField, help_text="False: the site has no cloud access.")
    monthly_budget = _money(allow_null=True)
    sources = _optional(CostSourcesSerializer, help_text="The catalog rows used.")
    plan = _optional(CostPlanRecordSerializer)


# --- A job ----------------------------------------------------------------------------------------


class JobResultSerializer(serializers.Serializer):
    """What a finished job did (empty while it runs, or when it failed: see ``error``); each kind
    gives its own counts."""

    projects = _optional(serializers.IntegerField, help_text="Projects evaluated.")
    stored = _optional(serializers.IntegerField, help_text="New results stored.")
    unchanged = _optional(serializers.IntegerField, help_text="Unchanged since the last run (or prices unchanged).")
    failed = _optional(
        serializers.DictField,
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Project id → why its estimate could not be made.",
    )
    assessments_stored = _optional(serializers.IntegerField)
    chunks = _optional(serializers.IntegerField, help_text="Chunks the job was split into.")
    created = _optional(serializers.IntegerField, help_text="Price import: prices recorded.")
    changed = _optional(
        serializers.ListField, child=serializers.CharField(), help_text="Price import: the models whose price changed."
    )
    recalculation_job = _optional(
        serializers.IntegerField, allow_null=True, help_text="Price import: the job recalculating the projects."
    )
