"""The readiness engine: which hosting approach and deployment model fit a project, where its
choices disagree with that, and whether it is ready for its next stage.

Pure and deterministic: a ``ProjectFacts`` in, an ``Assessment`` out, no ORM and no clock (the
caller passes the days left to the production date). The rules come from the delivery
organisation's experience, summarised in PRODUCT.md section 4:

- regulated or confidential data, or strict residency → self-hosting or hybrid with a hard
  boundary; a cloud API only where the provider's certifications and region fit;
- no MLOps skills → cloud API; on premises also needs hardware skills; cloud self-hosting needs
  container and cloud-infrastructure skills; hybrid needs all of them;
- production in weeks → cloud API; self-hosting takes three to six months at least;
- low or spiky volume → cloud API; high, steady volume → self-hosting pays off;
- offline / air-gapped, or strict latency at the edge → local models only;
- deep model changes → self-hosted open-weight models; prompting only → cloud API;
- a generic task → cloud API; a highly specialised one → self-hosted customisation.
"""

from dataclasses import dataclass, field
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

READY = "ready"
AT_RISK = "at_risk"
BLOCKED = "blocked"
PASSED = "passed"
FAILED = "failed"
NOT_APPLICABLE = "not_applicable"


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
    #: Checklist items with evidence recorded on the project.
    evidence: frozenset[str] = frozenset()
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


@dataclass(frozen=True)
class Reason:
    criterion: str
    effect: int
    text: str


@dataclass
class Fit:
    option: str
    score: int = 50
    reasons: list[Reason] = field(default_factory=list)
    excluded: bool = False

    def add(self, criterion: str, effect: int, text: str, *, exclude: bool = False):
        self.reasons.append(Reason(criterion, effect, text))
        self.excluded = self.excluded or exclude
        self.score = 0 if self.excluded else max(0, min(100, self.score + effect))


@dataclass(frozen=True)
class Mismatch:
    code: str
    severity: str  # "blocking" or "warning"
    text: str


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    status: str
    evidence: str
    detail: str = ""


@dataclass(frozen=True)
class Assessment:
    target_stage: str | None
    hosting: dict[str, Fit]
    deployment: dict[str, Fit]
    recommended_hosting: str
    recommended_deployment: str
    mismatches: list[Mismatch]
    checklist: list[ChecklistItem]
    status: str
    blocking: list[str]


def assess(facts: ProjectFacts, *, target_stage: str | None = None) -> Assessment:
    target = target_stage or facts.next_stage
    hosting = hosting_fit(facts)
    deployment = deployment_fit(facts)
    recommended_hosting = _best(hosting)
    recommended_deployment = _best(deployment)
    mismatches = find_mismatches(facts, hosting, deployment, recommended_hosting, recommended_deployment)
    checklist = stage_checklist(facts, target) if target else []
    blocking = [f"{item.title}: {item.detail or item.evidence}" for item in checklist if item.status == FAILED]
    blocking += [mismatch.text for mismatch in mismatches if mismatch.severity == "blocking"]
    if blocking:
        status = BLOCKED
    elif any(mismatch.severity == "warning" for mismatch in mismatches):
        status = AT_RISK
    else:
        status = READY
    return Assessment(
        target,
        hosting,
        deployment,
        recommended_hosting,
        recommended_deployment,
        mismatches,
        checklist,
        status,
        blocking,
    )


# --- Fit --------------------------------------------------------------------------------------


def hosting_fit(f: ProjectFacts) -> dict[str, Fit]:
    fit = {option: Fit(option) for option in APPROACHES}
    api, cloud, onprem, hybrid = (fit[o] for o in APPROACHES)

    if f.sensitive:
        text = "Regulated or confidential data, or strict residency: keep it on infrastructure the client controls"
        api.add("data", -25, text + "; a cloud API only where the provider's certifications and region fit.")
        cloud.add("data", 20, text + ".")
        onprem.add("data", 25, text + ": complete control.")
        hybrid.add("data", 20, text + ", with a hard boundary routing sensitive traffic to own models.")
    else:
        api.add("data", 10, "Public or internal data: a cloud API is the simplest safe choice.")

    skills = {"none": 0, "some": 1, "mature": 2}
    mlops, hardware, infra = skills[f.mlops], skills[f.hardware], skills[f.infrastructure]
    if mlops == 0:
        api.add("team", 20, "No MLOps skills in the team: a cloud API needs none.")
        cloud.add("team", -25, "No MLOps skills: serving models on GPUs needs them (hire or budget first).")
        onprem.add("team", -30, "No MLOps skills: on premises needs them, and hardware skills too.")
        hybrid.add("team", -30, "No MLOps skills: a hybrid set-up needs every skill of both sides.")
    elif mlops == 2:
        cloud.add("team", 10, "A mature MLOps team can run its own model serving.")
        hybrid.add("team", 5, "A mature MLOps team can run the self-hosted side.")
    if hardware == 0:
        onprem.add("team", -25, "No hardware operations skills: owned servers need them.")
    elif hardware == 2:
        onprem.add("team", 10, "Mature hardware operations: owned servers are within reach.")
    if infra == 0:
        cloud.add("team", -15, "No container and cloud-infrastructure skills: cloud self-hosting needs them.")
        hybrid.add("team", -15, "No container and cloud-infrastructure skills: the hybrid's own side needs them.")
    if min(mlops, infra) >= 1 and hardware >= 1:
        hybrid.add("team", 5, "The team covers ML, infrastructure and hardware, as a hybrid needs.")

    if f.days_to_production is not None:
        if f.days_to_production < SELF_HOSTING_LEAD_DAYS:
            weeks = max(f.days_to_production // 7, 0)
            api.add("timeline", 20, f"Production in about {weeks} weeks: a cloud API launches in days.")
            for option, effect in ((cloud, -20), (onprem, -30), (hybrid, -20)):
                option.add("timeline", effect, "Self-hosting takes three to six months to reach production.")
        elif f.days_to_production < ON_PREMISES_LEAD_DAYS:
            onprem.add("timeline", -10, "Buying and racking hardware rarely fits in under six months.")

    high_volume = f.break_even_requests or HIGH_VOLUME_DEFAULT
    spiky = f.traffic_pattern == "spiky" or f.peak_ratio >= SPIKY_PEAK_RATIO
    if f.monthly_requests < LOW_VOLUME or spiky:
        why = "Spiky traffic" if spiky else "Low volume"
        api.add("volume", 15, f"{why}: pay per use instead of idle capacity.")
        cloud.add("volume", -10, f"{why}: GPUs sized for the peak sit idle most of the time.")
        onprem.add("volume", -15, f"{why}: owned hardware sized for the peak is wasted between peaks.")
        if spiky and f.monthly_requests >= LOW_VOLUME:
            hybrid.add("volume", 10, "Spiky but substantial traffic: own capacity for the base, bursts to an API.")
    elif f.monthly_requests >= high_volume:
        text = f"High, steady volume ({f.monthly_requests:,} requests a month): self-hosting pays off."
        cloud.add("volume", 15, text)
        onprem.add("volume", 15, text)
        hybrid.add("volume", 5, text)
        api.add("volume", -10, "At this volume per-token fees outgrow the cost of own capacity.")

    if f.connectivity == "offline":
        text = "Offline or air-gapped: only models on local hardware can run."
        api.add("connectivity", -100, text, exclude=True)
        cloud.add("connectivity", -100, text, exclude=True)
        hybrid.add("connectivity", -100, text, exclude=True)
        onprem.add("connectivity", 30, text)
    elif f.connectivity == "limited":
        api.add("connectivity", -20, "Limited connectivity: every request depends on the link to the provider.")
        onprem.add("connectivity", 15, "Limited connectivity: local models keep working without the link.")
    if f.latency_need == "interactive" and f.latency_target_ms is not None and f.latency_target_ms < EDGE_LATENCY_MS:
        api.add("latency", -20, f"A {f.latency_target_ms} ms target leaves no room for a round trip to a provider.")
        onprem.add("latency", 15, "Strict latency at the edge: local models avoid the network round trip.")

    if f.customisation == "deep_changes":
        text = "Deep model changes need open-weight models you host yourself."
        api.add("customisation", -30, text)
        cloud.add("customisation", 20, text)
        onprem.add("customisation", 20, text)
        hybrid.add("customisation", 10, text)
    elif f.customisation == "fine_tuning":
        api.add("customisation", -5, "Fine-tuning through a provider is limited to the models it offers.")
        cloud.add("customisation", 10, "Fine-tuning open-weight models is easiest on your own GPUs.")
    else:
        api.add("customisation", 10, "Prompting alone: a cloud API saves time and money.")

    if f.differentiation == "generic":
        api.add("differentiation", 10, "A generic task: leading cloud models do it well out of the box.")
    elif f.differentiation == "specialised":
        cloud.add("differentiation", 10, "A highly specialised task repays investment in own customisation.")
        onprem.add("differentiation", 5, "A highly specialised task repays investment in own customisation.")
    return fit


def deployment_fit(f: ProjectFacts) -> dict[str, Fit]:
    fit = {option: Fit(option) for option in DEPLOYMENT_MODELS}
    managed, customer = fit[MANAGED], fit[CUSTOMER_CLOUD]
    if f.workload_type in {"campaign_activation", "workflow_automation"}:
        managed.add("workload", 15, "Campaigns and lighter automation fit a managed application: fastest rollout.")
    elif f.workload_type in {"regulated_workflow", "internal_operations", "media_document_system"}:
        customer.add(
            "workload",
            15,
            "Regulated, internal and document systems usually need client-controlled "
            "infrastructure and change management.",
        )
    if f.sensitive:
        customer.add("data", 20, "Sensitive data stays inside the client's own cloud account.")
        managed.add("data", -20, "Sensitive data would leave the client's environment.")
    if f.days_to_production is not None and f.days_to_production < SELF_HOSTING_LEAD_DAYS:
        managed.add("timeline", 10, "A near production date favours the lighter managed delivery.")
        customer.add("timeline", -5, "The client's governance and change process add lead time.")
    if f.connectivity == "offline":
        customer.add("connectivity", 10, "Offline sites run inside infrastructure the client owns.")
        managed.add("connectivity", -30, "A managed application cannot reach an offline site.")
    return fit


# --- Mismatches -------------------------------------------------------------------------------


def find_mismatches(f, hosting, deployment, best_hosting, best_deployment) -> list[Mismatch]:
    found = []
    chosen = hosting.get(f.hosting_approach)
    if chosen is not None and chosen.excluded:
        found.append(
            Mismatch(
                "hosting_impossible",
                "blocking",
                f"{_label(f.hosting_approach)} cannot work here: {_top_reason(chosen)}",
            )
        )
    elif chosen is not None and hosting[best_hosting].score - chosen.score >= 20:
        found.append(
            Mismatch(
                "hosting_fit",
                "warning",
                f"{_label(best_hosting)} fits better than the chosen {_label(f.hosting_approach)} "
                f"({hosting[best_hosting].score} vs {chosen.score}).",
            )
        )
    if deployment[best_deployment].score - deployment[f.deployment_model].score >= 20:
        found.append(
            Mismatch(
                "deployment_fit",
                "warning",
                f"{_label(best_deployment)} fits better than the chosen {_label(f.deployment_model)}.",
            )
        )
    uses_api = f.hosting_approach in {CLOUD_API, HYBRID}
    if f.sensitive and f.hosting_approach == CLOUD_API and "provider_terms_verified" not in f.evidence:
        found.append(
            Mismatch(
                "sensitive_on_api",
                "blocking",
                "Regulated or confidential data on a cloud API with no verified provider "
                "certifications and data-handling terms.",
            )
        )
    if f.deployment_model == CUSTOMER_CLOUD:
        env = f.environment
        if (
            not env.exists
            or env.missing
            or not env.access_signed_off
            or (env.needs_residency and not env.residency_signed_off)
        ):
            missing = list(env.missing) if env.exists else ["the whole environment"]
            if not env.access_signed_off:
                missing.append("client approval of the access pattern")
            if env.needs_residency and not env.residency_signed_off:
                missing.append("confirmation of data residency")
            found.append(
                Mismatch(
                    "customer_cloud_in_name_only",
                    "blocking",
                    "Customer cloud in name only: missing " + ", ".join(missing) + ".",
                )
            )
    if f.hosting_approach == ON_PREMISES and f.hardware == "none":
        found.append(
            Mismatch(
                "on_premises_without_hardware_skills",
                "warning",
                "On premises with no hardware operations skills in the team.",
            )
        )
    if f.hosting_approach in SELF_HOSTING and f.days_to_production is not None:
        lead = ON_PREMISES_LEAD_DAYS if f.hosting_approach == ON_PREMISES else SELF_HOSTING_LEAD_DAYS
        if f.days_to_production < lead:
            found.append(
                Mismatch(
                    "self_hosting_timeline",
                    "warning",
                    f"{_label(f.hosting_approach)} with production {f.days_to_production} days away: "
                    f"it usually needs {lead // 30} months or more.",
                )
            )
    if f.hosting_approach == HYBRID and f.sensitive and not f.routing.sensitive_to_self_hosted:
        found.append(
            Mismatch(
                "hybrid_without_boundary",
                "blocking",
                "Hybrid hosting of sensitive data with no routing rule sending it to own models.",
            )
        )
    if uses_api and f.customisation == "deep_changes":
        found.append(
            Mismatch(
                "deep_changes_on_api",
                "warning",
                "Deep model changes are planned but the models are served by a cloud API.",
            )
        )
    return found


# --- Stage gates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    key: str
    title: str
    stage: str
    evidence: str
    applies: object = None  # ProjectFacts -> bool; None: always
    check: object = None  # ProjectFacts -> (bool, detail); None: evidence recorded

    def evaluate(self, f: ProjectFacts) -> ChecklistItem:
        if self.applies is not None and not self.applies(f):
            return ChecklistItem(self.key, self.title, NOT_APPLICABLE, self.evidence)
        if self.check is None:
            ok, detail = self.key in f.evidence, "" if self.key in f.evidence else "no evidence recorded"
        else:
            ok, detail = self.check(f)
        return ChecklistItem(self.key, self.title, PASSED if ok else FAILED, self.evidence, detail)


def _uses_api(f):
    return f.hosting_approach in {CLOUD_API, HYBRID}


def _self_hosts(f):
    return f.hosting_approach in SELF_HOSTING


def _customer_cloud(f):
    return f.deployment_model == CUSTOMER_CLOUD


def _environment_complete(f):
    env = f.environment
    if not env.exists:
        return False, "no environment recorded"
    return (not env.missing), ("missing: " + ", ".join(env.missing)) if env.missing else ""


def _routing_ok(f):
    r = f.routing
    if r.rules == 0:
        return False, "no routing rules"
    if r.shares_total != 100:
        return False, f"shares add up to {r.shares_total}%, not 100%"
    if f.sensitive and not r.sensitive_to_self_hosted:
        return False, "sensitive data is not routed to self-hosted models"
    return True, ""


def _within_budget(f):
    if f.chosen_monthly_cost is None:
        return False, "no cost estimate yet"
    if f.chosen_monthly_cost > f.monthly_budget:
        return False, f"estimate {f.chosen_monthly_cost} a month is over the budget of {f.monthly_budget}"
    return True, ""


GATES = (
    Gate(
        "data_classified",
        "Data classified",
        "proof_of_concept",
        "A data classification of the project's inputs and outputs, agreed with the client.",
    ),
    Gate(
        "hosting_decision",
        "Hosting approach and deployment model chosen",
        "pilot",
        "The recorded decision on where the system runs and how its models are served, with the reasons.",
    ),
    Gate(
        "environment_complete",
        "Customer-cloud environment complete",
        "pilot",
        "Provider, account, regions, access pattern and network isolation recorded.",
        applies=_customer_cloud,
        check=_environment_complete,
    ),
    Gate(
        "access_signed_off",
        "Access pattern approved by the client",
        "pilot",
        "The client's sign-off of the access pattern, with who and when.",
        applies=_customer_cloud,
        check=lambda f: (f.environment.access_signed_off, "not signed off"),
    ),
    Gate(
        "residency_confirmed",
        "Data residency confirmed",
        "pilot",
        "The client's confirmation that data stays in the agreed regions.",
        applies=lambda f: _customer_cloud(f) and f.environment.needs_residency,
        check=lambda f: (f.environment.residency_signed_off, "not confirmed"),
    ),
    Gate(
        "provider_terms_verified",
        "Provider data handling and certifications verified",
        "pilot",
        "The provider's data-handling terms and certifications (e.g. SOC 2, ISO 27001) checked against the "
        "client's needs and region.",
        applies=_uses_api,
    ),
    Gate(
        "containerised_deployment",
        "Containerised deployment",
        "pilot",
        "The serving stack built as containers, deployable the same way in every environment.",
        applies=_self_hosts,
    ),
    Gate(
        "routing_rules",
        "Routing rules defined",
        "pilot",
        "Ordered routing rules adding up to 100%, sensitive data to own models.",
        applies=lambda f: f.hosting_approach == HYBRID,
        check=_routing_ok,
    ),
    Gate(
        "hardware_provisioned",
        "Hardware provisioned",
        "rollout",
        "GPUs or servers provisioned for the sized replicas, with the spare.",
        applies=_self_hosts,
    ),
    Gate(
        "scaling_and_redundancy",
        "Scaling and redundancy planned",
        "rollout",
        "How capacity grows with load and what happens when a replica or server fails.",
        applies=_self_hosts,
    ),
    Gate(
        "model_update_strategy",
        "Model update strategy",
        "rollout",
        "How new model versions are evaluated, rolled out and rolled back.",
        applies=_self_hosts,
    ),
    Gate(
        "vendor_switch_plan",
        "Vendor-switching plan",
        "rollout",
        "How the system would move to another provider or model without a rewrite.",
        applies=_uses_api,
    ),
    Gate(
        "token_cost_controls",
        "Token-cost controls",
        "rollout",
        "Prompt budgets, caching and alerts that keep token spend within the estimate.",
        applies=_uses_api,
    ),
    Gate(
        "cost_within_budget",
        "Cost estimate within budget",
        "rollout",
        "The latest cost estimate of the chosen option within the monthly run budget.",
        applies=lambda f: f.monthly_budget is not None,
        check=_within_budget,
    ),
    Gate(
        "monitoring", "Monitoring in place", "production", "Dashboards and alerts on quality, latency, errors and cost."
    ),
    Gate(
        "incident_runbook",
        "Incident runbook",
        "production",
        "Who is called and what they do when the system misbehaves.",
    ),
    Gate("rollback_plan", "Rollback plan", "production", "How to return to the previous version or process."),
    Gate(
        "client_change_approval",
        "Client change approval recorded",
        "production",
        "The reference of the client's change-management approval for go-live.",
    ),
)


def stage_checklist(f: ProjectFacts, target_stage: str) -> list[ChecklistItem]:
    """Every gate up to ``target_stage``: readiness must fit the stage (a demo is not a rollout)."""
    if target_stage not in PIPELINE:
        return []
    reach = PIPELINE.index(target_stage)
    return [gate.evaluate(f) for gate in GATES if PIPELINE.index(gate.stage) <= reach]


def gate_keys() -> list[tuple[str, str]]:
    return [(gate.key, gate.title) for gate in GATES]


def _best(fits: dict[str, Fit]) -> str:
    return max(fits.values(), key=lambda fit: (not fit.excluded, fit.score, -list(fits).index(fit.option))).option


def _top_reason(fit: Fit) -> str:
    return min(fit.reasons, key=lambda reason: reason.effect).text if fit.reasons else ""


def _label(option: str) -> str:
    return {
        CLOUD_API: "Cloud API",
        SELF_HOSTED_CLOUD: "Self-hosted in cloud",
        ON_PREMISES: "On premises",
        HYBRID: "Hybrid",
        MANAGED: "Managed application",
        CUSTOMER_CLOUD: "Customer cloud",
    }[option]
