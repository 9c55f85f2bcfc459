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
#: Served from a provider's or a cloud's region, away from the site: every request crosses the
#: network to it (the hybrid sends at least its API share there).
REMOTE = (CLOUD_API, SELF_HOSTED_CLOUD, HYBRID)
MANAGED = "managed_application"
CUSTOMER_CLOUD = "customer_cloud"
#: Customer-controlled, in the client's own data centre (on premises, possibly air-gapped): a
#: customer-cloud project whose environment is a data centre rather than a cloud account.
CUSTOMER_DATA_CENTRE = "customer_data_centre"
DEPLOYMENT_MODELS = (MANAGED, CUSTOMER_CLOUD, CUSTOMER_DATA_CENTRE)
CLOUD_ACCOUNT = "cloud_account"
DATA_CENTRE = "data_centre"
PIPELINE = ("discovery", "proof_of_concept", "pilot", "rollout", "production")

#: Months a self-hosted set-up takes to reach production, at least (seed 003: "months, not days").
SELF_HOSTING_LEAD_DAYS = 90
ON_PREMISES_LEAD_DAYS = 180
LOW_VOLUME = 500_000
SPIKY_PEAK_RATIO = Decimal("3")
EDGE_LATENCY_MS = 150


@dataclass(frozen=True)
class EnvironmentFacts:
    exists: bool = False
    #: ``CLOUD_ACCOUNT`` or ``DATA_CENTRE``.
    kind: str = CLOUD_ACCOUNT
    #: The facts still to record, as a person names them ("cloud provider", "regions").
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
class CostFacts:
    """What the readiness engine reads of the project's latest cost estimate."""

    #: Self-hosted option → the monthly volume from which it costs no more than the API; None:
    #: none within the capacity it was sized for, so the API is the cheaper at any volume.
    break_even: dict[str, int | None]
    #: Option → what it costs before the first month (hardware bought), in USD.
    upfront: dict[str, Decimal]


@dataclass(frozen=True)
class ProviderFacts:
    """The outside provider an option would hand the data to, and what the catalog records it holds
    for the region the data would go to."""

    option: str
    #: Catalog key (``openai``, ``aws``...); "" when the project does not record it.
    provider: str
    name: str
    held: frozenset[str] = frozenset()


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
    upfront_budget: Decimal | None = None
    #: From the latest cost estimate; None: no estimate yet.
    cost: CostFacts | None = None
    #: The certifications the project's regulations ask of a hosting provider.
    required_certifications: frozenset[str] = frozenset()
    #: The outside providers of the options that hand data to one.
    providers: tuple[ProviderFacts, ...] = ()

    @property
    def sensitive(self) -> bool:
        return (
            self.data_sensitivity in {"regulated", "confidential"}
            or bool(self.data_categories & {"health", "financial"})
            or self.residency == "strict"
        )

    @property
    def regulated(self) -> bool:
        """Data under a regulation: what a provider's unverified certifications block."""
        return self.data_sensitivity == "regulated" or (bool(self.regulations) and self.sensitive)

    @property
    def remote_ruled_out(self) -> str:
        """Why options served from a remote region cannot serve this site; "" when they can."""
        if self.connectivity == "offline":
            return "The site is offline or air-gapped: nothing served from a remote region can answer it."
        if self.connectivity == "limited":
            return "The site's connectivity is limited: a model served from a remote region stops with the link."
        target = self.latency_target_ms
        if self.latency_need == "interactive" and target is not None and target < EDGE_LATENCY_MS:
            return f"A {target} ms target at the edge leaves no room for the round trip to a remote region."
        return ""

    @property
    def deployment_option(self) -> str:
        """The chosen deployment as the engine's options name it: a customer-cloud project whose
        environment is the client's data centre is a customer data centre deployment."""
        if self.deployment_model == CUSTOMER_CLOUD and self.environment.kind == DATA_CENTRE:
            return CUSTOMER_DATA_CENTRE
        return self.deployment_model

    def provider_for(self, option: str) -> "ProviderFacts | None":
        return next((provider for provider in self.providers if provider.option == option), None)

    @property
    def next_stage(self) -> str | None:
        if self.stage in PIPELINE and self.stage != "production":
            return PIPELINE[PIPELINE.index(self.stage) + 1]
        return None
