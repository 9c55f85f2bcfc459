"""What the readiness engine is told about a project, and the options and thresholds its rules
speak of."""

from dataclasses import dataclass
from decimal import Decimal

CLOUD_API = "cloud_api"
SELF_HOSTED_CLOUD = "self_hosted_cloud"
ON_PREMISES = "on_premises"
HYBRID = "hybrid"
APPROACHES = (CLOUD_API, SELF_HOSTED_CLOUD, ON_PREMISES, HYBRID)
SELF_HOSTING = (SELF_HOSTED_CLOUD, ON_PREMISES, HYBRID)
MANAGED = "managed_application"
CUSTOMER_CLOUD = "customer_cloud"
DEPLOYMENT_MODELS = (MANAGED, CUSTOMER_CLOUD)
PIPELINE = ("discovery", "proof_of_concept", "pilot", "rollout", "production")

#: Months a self-hosted set-up takes to reach production, at least (seed 003: "months, not days").
SELF_HOSTING_LEAD_DAYS = 90
ON_PREMISES_LEAD_DAYS = 180
#: Without a break-even figure from the cost engine, this volume counts as "high".
HIGH_VOLUME_DEFAULT = 5_000_000
LOW_VOLUME = 500_000
SPIKY_PEAK_RATIO = Decimal("3")
EDGE_LATENCY_MS = 150


@dataclass(frozen=True)
class EnvironmentFacts:
    exists: bool = False
    missing: tuple[str, ...] = ()
    access_signed_off: bool = False
    residency_signed_off: bool = False
    needs_residency: bool = False


@dataclass(frozen=True)
class RoutingFacts:
    rules: int = 0
    shares_total: Decimal = Decimal("0")
    sensitive_to_self_hosted: bool = False


@dataclass(frozen=True)
class ProjectFacts:
    stage: str
    deployment_model: str
    hosting_approach: str
    workload_type: str = "workflow_automation"
    data_sensitivity: str = "internal"
    data_categories: frozenset[str] = frozenset()
    regulations: frozenset[str] = frozenset()
    residency: str = "none"
    monthly_requests: int = 0
    traffic_pattern: str = "steady"
    peak_ratio: Decimal = Decimal("1")
    latency_need: str = "interactive"
    latency_target_ms: int | None = None
    connectivity: str = "online"
    customisation: str = "prompting"
    differentiation: str = "generic"
    mlops: str = "none"
    hardware: str = "none"
    infrastructure: str = "none"
    days_to_production: int | None = None
    environment: EnvironmentFacts = EnvironmentFacts()
    routing: RoutingFacts = RoutingFacts()
    #: Checklist items with evidence that counts: current, not expired, accepted where the client must.
    evidence: frozenset[str] = frozenset()
    #: Items whose evidence does not count (yet or any more), with why: ((item, reason), ...).
    evidence_waiting: tuple[tuple[str, str], ...] = ()
    monthly_budget: Decimal | None = None
    #: Monthly cost of the chosen hosting option, from the latest cost estimate.
    chosen_monthly_cost: Decimal | None = None
    #: Volume above which self-hosting is cheaper, from the latest cost estimate.
    break_even_requests: int | None = None

    @property
    def sensitive(self) -> bool:
        return (
            self.data_sensitivity in {"regulated", "confidential"}
            or bool(self.data_categories & {"health", "financial"})
            or self.residency == "strict"
        )

    @property
    def next_stage(self) -> str | None:
        if self.stage in PIPELINE and self.stage != "production":
            return PIPELINE[PIPELINE.index(self.stage) + 1]
        return None
