"""A project's cost plan: the one service that validates and stores it, for the page, the API and
the Django admin alike, and reads of it in the words people edit it in.

People give shares in per cent (``utilisation_percent``, ``hybrid_self_hosted_percent``); the plan
stores fractions, which is what the cost engine reads. A field left blank (None or "") is not
stored: the tenant's default, then the platform's, stands in for it (``assessments.cost_plan``).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BigIntegerField
from django.utils import timezone

from assessments.catalog import latest_prices
from assessments.cost_plan import PLAN_FIELDS, CostPlan, is_blank, plan_resolve
from assessments.jobs import job_request
from assessments.models import (
    CostProfile,
    GpuInstancePrice,
    HardwareProfile,
    HybridMode,
    Job,
    Redundancy,
    TenantCostDefaults,
    ThroughputProfile,
)
from assessments.services.estimates import estimates_recalculate
from assessments.tasks import fan_out
from audit.services import audit_record, changes, snapshot
from core.compiled import CompiledQuery, Parameter
from core.figures import is_number, number, usd, usd_price
from projects.models import Project
from projects.signals import project_inputs_changed
from tenancy.access import Action, require
from tenancy.models import Tenant

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Number:
    """A numeric plan input: its bounds, decimal places, and the stored field it fills."""

    stored: str | None
    low: Decimal
    high: Decimal
    places: int
    rule: str
    percent: bool = False
    integer: bool = False


#: Text inputs limited to a set of choices.
CHOICE_INPUTS = {"hybrid_mode": HybridMode, "on_premises_redundancy": Redundancy}
TEXT_INPUTS = ("api_model", "size_class", "gpu_instance", "hardware_profile", "on_premises_redundancy", "hybrid_mode")
NUMBER_INPUTS = {
    "utilisation_percent": Number(
        "utilisation_target", Decimal(1), HUNDRED, 1, "Between 1 and 100 per cent.", percent=True
    ),
    "min_replicas": Number(
        "min_replicas", Decimal(1), Decimal(1000), 0, "A whole number from 1 to 1000.", integer=True
    ),
    "staff_fte": Number("staff_fte", Decimal(0), Decimal(100), 2, "Between 0 and 100 full-time engineers."),
    "staff_loaded_monthly": Number(
        "staff_loaded_monthly", Decimal(0), Decimal(1_000_000), 2, "Between 0 and 1,000,000 USD a month."
    ),
    "hybrid_self_hosted_percent": Number(
        "hybrid_self_hosted_share", Decimal(0), HUNDRED, 1, "Between 0 and 100 per cent.", percent=True
    ),
    # Not stored: the API's share is what the self-hosted share leaves. Given, the two must add up.
    "hybrid_api_percent": Number(None, Decimal(0), HUNDRED, 1, "Between 0 and 100 per cent.", percent=True),
    "electricity_per_kwh": Number("electricity_per_kwh", Decimal(0), Decimal(10), 4, "Between 0 and 10 USD per kWh."),
    "colocation_per_kw_month": Number(
        "colocation_per_kw_month", Decimal(0), Decimal(100_000), 2, "Between 0 and 100,000 USD per kW a month."
    ),
    "pue": Number("pue", Decimal(1), Decimal(3), 2, "A power usage effectiveness between 1 and 3."),
}
#: What the page and the API send, in the order they show it.
PLAN_INPUTS = (
    "api_model",
    "size_class",
    "gpu_instance",
    "hardware_profile",
    "on_premises_redundancy",
    "utilisation_percent",
    "min_replicas",
    "staff_fte",
    "staff_loaded_monthly",
    "hybrid_mode",
    "hybrid_self_hosted_percent",
    "hybrid_api_percent",
    "electricity_per_kwh",
    "colocation_per_kw_month",
    "pue",
)
#: The stored field each plan input fills (the shares' inputs are in per cent).
STORED_OF_INPUT = {name: spec.stored for name, spec in NUMBER_INPUTS.items()} | {
    "hybrid_api_percent": "hybrid_self_hosted_share"
}
_INPUT_OF_STORED = {spec.stored: name for name, spec in NUMBER_INPUTS.items() if spec.stored} | {
    name: name for name in TEXT_INPUTS
}


#: What a name that is no field of a cost plan is told (by the service and the API).
COST_PLAN_UNKNOWN = "Not a field of the cost plan."


def plan_inputs(source) -> dict:
    """A stored plan (a ``CostProfile``, ``TenantCostDefaults``, ``CostPlan`` or None) in the words
    people edit it in: per cent for shares, None for a field left to the defaults."""
    values = {}
    for name in PLAN_INPUTS:
        spec = NUMBER_INPUTS.get(name)
        stored = getattr(source, spec.stored if spec and spec.stored else name, None) if source is not None else None
        if name == "hybrid_api_percent":
            self_hosted = getattr(source, "hybrid_self_hosted_share", None) if source is not None else None
            stored = None if self_hosted is None else 1 - self_hosted
        if spec and spec.percent and stored is not None:
            stored = stored * HUNDRED
        values[name] = None if is_blank(stored) else _plain(stored)
    return values


def plan_origins(in_force: CostPlan) -> dict:
    """Where each plan input's value in force comes from: "project", "tenant" or "platform"."""
    return {name: in_force.origins[STORED_OF_INPUT.get(name, name)] for name in PLAN_INPUTS}


def _plain(value):
    """A Decimal as people write it: 70 rather than 70.000 or 7E+1; other values as they are."""
    if not isinstance(value, Decimal):
        return value
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def plan_inputs_from_stored(values: dict) -> dict:
    """Stored plan fields (as the Django admin edits them: fractions) as plan inputs (per cent)."""
    inputs = {}
    for name, value in values.items():
        input_name = _INPUT_OF_STORED.get(name, name)
        spec = NUMBER_INPUTS.get(input_name)
        inputs[input_name] = value * HUNDRED if spec and spec.percent and value is not None else value
    return inputs


#: Plan inputs that are amounts of money (USD).
MONEY_INPUTS = frozenset({"staff_loaded_monthly", "colocation_per_kw_month", "electricity_per_kwh"})
#: Of those, the prices of a unit small enough that a fraction of a cent matters.
UNIT_PRICE_INPUTS = frozenset({"electricity_per_kwh"})


def plan_value_shown(name: str, value):
    """A plan input's value as a person reads it: a choice by its label, money and numbers with
    thousands separators (``core.figures``), a blank server as the one that matches the GPU."""
    if name in CHOICE_INPUTS:
        return CHOICE_INPUTS[name](value).label
    if name == "hardware_profile" and not value:
        return "The server that matches the GPU"
    if name in UNIT_PRICE_INPUTS:
        return usd_price(value)
    if name in MONEY_INPUTS:
        return usd(value, cents=None)
    if name in NUMBER_INPUTS and is_number(value):
        return number(value)
    return value


def tenant_cost_defaults_of(tenant: Tenant) -> tuple[TenantCostDefaults | None, CostPlan]:
    """The client's own defaults (None if it has none) and the defaults in force: the client's
    fields, the platform's where the client's are blank."""
    defaults = TenantCostDefaults.objects.filter(tenant=tenant).first()
    return defaults, plan_resolve(None, defaults)


# The project page reads it: its SQL compiled once per connection (``core.compiled``), which took
# longer than the database takes to answer it.
_PLAN_OF_PROJECT = CompiledQuery(
    lambda: (
        Project.objects.filter(pk=Parameter("pk", BigIntegerField()))
        .select_related("cost_profile", "tenant__cost_defaults")
        .only("tenant_id", "cost_profile", "tenant__cost_defaults")
        .order_by()[:1]
    )
)


def cost_plan_of(project: Project) -> tuple[CostProfile | None, CostPlan]:
    """The project's own plan (None if it has none) and the plan in force, defaults applied: one
    query (the project's row with its plan and its client's defaults joined)."""
    rows = _PLAN_OF_PROJECT.run(pk=project.pk)
    found = rows[0] if rows else None
    profile = getattr(found, "cost_profile", None)
    defaults = getattr(found.tenant, "cost_defaults", None) if found is not None else None
    return profile, plan_resolve(profile, defaults)


@transaction.atomic
def cost_plan_update(*, project: Project, actor, **fields) -> CostProfile:
    """Change some fields of a project's cost plan (``Action.CHANGE_TECHNICAL``), then re-run its estimate.

    Rules, each refused with the field it concerns and nothing stored: utilisation 1 to 100 %, shares
    0 to 100 % and, given both, self-hosted and API shares adding up to 100 %; an API model with a
    price in force, a GPU instance, model size and server the catalog knows, and a throughput
    figure for that size on that GPU (the plan in force: blank fields take the defaults).
    """
    require(actor, project, Action.CHANGE_TECHNICAL)
    stored = plan_fields_parsed(fields)
    # The project row is locked first: the cost profile may not exist yet, and a lock on no row
    # would let two first saves both insert.
    project = Project.objects.select_for_update().get(pk=project.pk)
    plan = CostProfile.objects.filter(project=project).first() or CostProfile(
        tenant_id=project.tenant_id, project=project
    )
    # A first plan is compared with an empty one: its event names only the fields it sets.
    before = snapshot(plan if plan.pk else CostProfile(), list(PLAN_FIELDS))
    for name, value in stored.items():
        setattr(plan, name, value)
    _full_clean(plan)
    catalog_check(
        plan_resolve(plan, TenantCostDefaults.objects.filter(tenant_id=project.tenant_id).first()), given=set(stored)
    )
    before, after = changes(before, snapshot(plan, list(PLAN_FIELDS)))
    if after or plan.pk is None:
        plan.save()
        audit_record(action="project.cost_profile_updated", obj=project, actor=actor, before=before, after=after)
        # The estimate follows the plan at once (the page shows it); the assessment, debounced.
        estimates_recalculate([project.pk])
        project_inputs_changed.send(sender=Project, project_id=project.pk)
    return plan


@transaction.atomic
def tenant_cost_defaults_update(*, tenant: Tenant, actor, **fields) -> TenantCostDefaults:
    """Change a client's cost-plan defaults (``Action.MANAGE`` on the client: its customer admins
    and platform admins), by the plan's own rules; the client's projects are recalculated once the
    change commits (those whose plan sets the changed fields store nothing new)."""
    require(actor, tenant, Action.MANAGE)
    stored = plan_fields_parsed(fields)
    # The tenant row is locked first: the defaults may not exist yet (see cost_plan_update).
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    defaults = TenantCostDefaults.objects.filter(tenant=tenant).first() or TenantCostDefaults(tenant=tenant)
    before = snapshot(defaults if defaults.pk else TenantCostDefaults(), list(PLAN_FIELDS))
    for name, value in stored.items():
        setattr(defaults, name, value)
    _full_clean(defaults, exclude=["tenant"])
    catalog_check(plan_resolve(None, defaults), given=set(stored))
    before, after = changes(before, snapshot(defaults, list(PLAN_FIELDS)))
    if after or defaults.pk is None:
        defaults.save()
        audit_record(action="tenant.cost_defaults_updated", obj=defaults, actor=actor, before=before, after=after)
        job_request(kind=Job.Kind.COST_DEFAULTS, task=fan_out, tenant=tenant, requested_by=actor)
    return defaults


def plan_fields_parsed(fields: dict) -> dict:
    """Plan inputs (``PLAN_INPUTS``) as the stored fields they fill; every rule broken, by field."""
    errors, stored = {}, {}
    for name in sorted(set(fields) - set(PLAN_INPUTS)):
        errors[name] = COST_PLAN_UNKNOWN
    for name, value in fields.items():
        if name not in PLAN_INPUTS:
            continue
        try:
            parsed = _parsed(name, value)
        except ValidationError as error:
            errors[name] = error.messages
            continue
        if name in TEXT_INPUTS:
            stored[name] = parsed
        elif NUMBER_INPUTS[name].stored:
            stored[NUMBER_INPUTS[name].stored] = parsed
    api_percent = fields.get("hybrid_api_percent")
    if not errors and not is_blank(api_percent):
        api_share = _parsed("hybrid_api_percent", api_percent)
        self_hosted = stored.get("hybrid_self_hosted_share")
        if "hybrid_self_hosted_percent" not in fields:
            stored["hybrid_self_hosted_share"] = 1 - api_share
        elif self_hosted is None or self_hosted + api_share != 1:
            errors["hybrid_api_percent"] = "The self-hosted and API shares must add up to 100 per cent."
    if errors:
        raise ValidationError(errors)
    return stored


def _parsed(name, value):
    if name in TEXT_INPUTS:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError("Give text.")
        value = value.strip()
        choices = CHOICE_INPUTS.get(name)
        if choices is not None and value and value not in choices.values:
            raise ValidationError(f"One of: {', '.join(choices.values)}.")
        return value
    spec = NUMBER_INPUTS[name]
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationError(f"Give a number. {spec.rule}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"Give a number. {spec.rule}") from None
    if not number.is_finite() or not spec.low <= number <= spec.high:
        raise ValidationError(spec.rule)
    if spec.integer and number != number.to_integral_value():
        raise ValidationError(spec.rule)
    if number.as_tuple().exponent < -spec.places:
        raise ValidationError(f"At most {spec.places} decimal places.")
    if spec.integer:
        return int(number)
    return number / HUNDRED if spec.percent else number


def _full_clean(plan, exclude=("tenant", "project")) -> None:
    try:
        plan.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise ValidationError(
            {_INPUT_OF_STORED.get(name, name): messages for name, messages in error.message_dict.items()}
        ) from None


def catalog_check(plan: CostPlan, *, given) -> None:
    """The fields ``given`` name what the catalog knows, in the plan in force (a few indexed
    lookups): an API model with a price in force, a GPU instance, a model size with a throughput
    figure on that instance's GPU, an on-premises server. Fields not given are not checked: a
    missing catalog entry there is the catalog's to fix, and the estimate says so."""
    errors = {}
    if "api_model" in given and plan.api_model not in latest_prices(keys={plan.api_model}, at=timezone.now()):
        errors["api_model"] = (
            f"“{plan.api_model}” has no price in force in the catalog: give a provider:model that has one, "
            "e.g. openai:gpt-4o-mini."
        )
    if not given & {"gpu_instance", "size_class", "hardware_profile"}:
        if errors:
            raise ValidationError(errors)
        return
    gpu = GpuInstancePrice.objects.filter(instance_type=plan.gpu_instance).values("gpu_type").first()
    if gpu is None and "gpu_instance" in given:
        errors["gpu_instance"] = f"“{plan.gpu_instance}” is not a GPU instance in the catalog, e.g. g5.xlarge."
    sizes = set(ThroughputProfile.objects.values_list("size_class", flat=True).distinct())
    if "size_class" in given and plan.size_class not in sizes:
        errors["size_class"] = (
            f"“{plan.size_class}” is not a model size in the catalog: one of {', '.join(sorted(sizes))}."
        )
    elif (
        gpu is not None
        and given & {"size_class", "gpu_instance"}
        and not ThroughputProfile.objects.filter(size_class=plan.size_class, gpu_type=gpu["gpu_type"]).exists()
    ):
        errors["size_class"] = (
            f"The catalog has no throughput figure for a {plan.size_class} model on {gpu['gpu_type']} "
            f"({plan.gpu_instance}): choose another model size or GPU instance."
        )
    if (
        "hardware_profile" in given
        and plan.hardware_profile
        and not HardwareProfile.objects.filter(name=plan.hardware_profile).exists()
    ):
        errors["hardware_profile"] = f"“{plan.hardware_profile}” is not an on-premises server in the catalog."
    if errors:
        raise ValidationError(errors)
