"""A project's cost plan as the engine reads it: each field from the project's own plan, else its
tenant's default, else the platform's default. Plain Python on the rows given (no queries).

The one rule for "which value counts", used by the estimate loader, the project page and the API.
"""

from dataclasses import dataclass, field, fields
from decimal import Decimal

#: What a field left blank by both the project and its tenant comes to. ``hardware_profile`` blank:
#: the estimate picks the server that matches the GPU chosen.
PLATFORM_COST_DEFAULTS = {
    "api_model": "openai:gpt-4o-mini",
    "size_class": "8b",
    "gpu_instance": "g5.xlarge",
    "hardware_profile": "",
    "utilisation_target": Decimal("0.7"),
    "min_replicas": 1,
    "staff_fte": Decimal("0.5"),
    "staff_loaded_monthly": Decimal("15000"),
    "hybrid_mode": "share",
    "hybrid_self_hosted_share": Decimal("0.5"),
    "electricity_per_kwh": Decimal("0.12"),
    "colocation_per_kw_month": Decimal("184"),
    "pue": Decimal("1.4"),
    "on_premises_redundancy": "n_plus_one",
}

#: The stored fields of a plan (``models.CostPlanFields``), in the order pages show them.
PLAN_FIELDS = tuple(PLATFORM_COST_DEFAULTS)


class Origin:
    PROJECT = "project"
    TENANT = "tenant"
    PLATFORM = "platform"


@dataclass(frozen=True)
class CostPlan:
    """The plan an estimate is computed from; ``origins`` says where each value came from."""

    api_model: str
    size_class: str
    gpu_instance: str
    hardware_profile: str
    utilisation_target: Decimal
    min_replicas: int
    staff_fte: Decimal
    staff_loaded_monthly: Decimal
    hybrid_mode: str
    hybrid_self_hosted_share: Decimal
    electricity_per_kwh: Decimal
    colocation_per_kw_month: Decimal
    pue: Decimal
    on_premises_redundancy: str
    origins: dict = field(default_factory=dict, compare=False)

    def record(self) -> dict:
        """What an estimate stores of the plan it used: each value and where it came from."""
        return {
            item.name: {"value": getattr(self, item.name), "from": self.origins[item.name]}
            for item in fields(self)
            if item.name != "origins"
        }


def is_blank(value) -> bool:
    return value is None or value == ""


def plan_resolve(profile, defaults) -> CostPlan:
    """The plan in force: ``profile`` (a project's ``CostProfile`` or None), then ``defaults`` (its
    tenant's ``TenantCostDefaults`` or None), then ``PLATFORM_COST_DEFAULTS``, field by field."""
    values, origins = {}, {}
    for name in PLAN_FIELDS:
        for origin, source in ((Origin.PROJECT, profile), (Origin.TENANT, defaults)):
            value = getattr(source, name, None) if source is not None else None
            if not is_blank(value):
                values[name], origins[name] = value, origin
                break
        else:
            values[name], origins[name] = PLATFORM_COST_DEFAULTS[name], Origin.PLATFORM
    return CostPlan(**values, origins=origins)
