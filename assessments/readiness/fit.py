"""How well each hosting approach and deployment model suits a project: a score from 0 to 100
with the reasons that moved it, or excluded outright."""

from dataclasses import dataclass, field

from assessments.readiness.facts import (
    APPROACHES,
    CUSTOMER_CLOUD,
    DEPLOYMENT_MODELS,
    EDGE_LATENCY_MS,
    HIGH_VOLUME_DEFAULT,
    LOW_VOLUME,
    MANAGED,
    ON_PREMISES_LEAD_DAYS,
    SELF_HOSTING_LEAD_DAYS,
    SPIKY_PEAK_RATIO,
    ProjectFacts,
)


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


def best_option(fits: dict[str, Fit]) -> str:
    return max(fits.values(), key=lambda fit: (not fit.excluded, fit.score, -list(fits).index(fit.option))).option
