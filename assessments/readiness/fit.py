"""How well each hosting approach and deployment model suits a project: a score from 0 to 100
with the reasons that moved it, or excluded outright."""

from dataclasses import dataclass, field
from decimal import Decimal

from assessments.readiness.certifications import certification_names
from assessments.readiness.facts import (
    APPROACHES,
    CLOUD_API,
    CUSTOMER_CLOUD,
    CUSTOMER_DATA_CENTRE,
    DEPLOYMENT_MODELS,
    HYBRID,
    MANAGED,
    ON_PREMISES,
    ON_PREMISES_LEAD_DAYS,
    REMOTE,
    SELF_HOSTED_CLOUD,
    SELF_HOSTING_LEAD_DAYS,
    SPIKY_PEAK_RATIO,
    ProjectFacts,
)
from core.figures import usd

LABELS = {
    CLOUD_API: "Cloud API",
    SELF_HOSTED_CLOUD: "Self-hosted in cloud",
    ON_PREMISES: "On premises",
    HYBRID: "Hybrid",
    MANAGED: "Managed application",
    CUSTOMER_CLOUD: "Customer cloud",
    CUSTOMER_DATA_CENTRE: "Client data centre",
}


def label(option: str) -> str:
    return LABELS[option]


# Not frozen, as ``gates.ChecklistItem``: the engine makes a score of them for every project.
@dataclass
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

    _volume(f, fit)
    _remote(f, fit)
    _certifications(f, fit)
    _upfront(f, fit)

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


def _volume(f: ProjectFacts, fit: dict[str, Fit]) -> None:
    """Volume is judged by the project's own cost estimate: self-hosting pays off from its
    break-even volume, and where the estimate finds none within capacity the API is the cheaper at
    any volume. Without an estimate there is nothing to judge volume by (no stand-in figure)."""
    api = fit[CLOUD_API]
    spiky = f.traffic_pattern == "spiky" or f.peak_ratio >= SPIKY_PEAK_RATIO
    if spiky:
        api.add(
            "volume", 10, f"Spiky traffic (peaks {f.peak_ratio}× the average): pay per use instead of idle capacity."
        )
        fit[SELF_HOSTED_CLOUD].add("volume", -10, "Spiky traffic: GPUs sized for the peak sit idle most of the time.")
        fit[ON_PREMISES].add("volume", -15, "Spiky traffic: owned hardware sized for the peak is wasted between peaks.")
    if f.cost is None:
        api.add("volume", 0, "No cost estimate yet: volume is judged once there is one.")
        return
    above = []
    for option in (SELF_HOSTED_CLOUD, ON_PREMISES, HYBRID):
        if option not in f.cost.break_even:
            continue
        volume = f.cost.break_even[option]
        if volume is None:
            fit[option].add(
                "volume",
                -15,
                "The cost estimate finds no volume within capacity at which it costs less than the API.",
            )
        elif f.monthly_requests >= volume:
            above.append(option)
            if option == HYBRID:
                text = f"{f.monthly_requests:,} requests a month, above the break-even of {volume:,}: own capacity"
                text += " pays off"
                text += " for the base, with bursts to the API." if spiky else " for its share."
                fit[option].add("volume", 10 if spiky else 5, text)
            else:
                steady = "" if spiky else ", steady"
                fit[option].add(
                    "volume",
                    15,
                    f"High{steady} volume: {f.monthly_requests:,} requests a month is above the break-even of "
                    f"{volume:,}, so self-hosting pays off.",
                )
        else:
            fit[option].add(
                "volume",
                -10,
                f"{f.monthly_requests:,} requests a month is below the break-even of {volume:,}: the API is cheaper.",
            )
    if above:
        api.add("volume", -10, "At this volume per-token fees outgrow the cost of own capacity.")
    else:
        api.add("volume", 15, "At this volume the cost estimate finds the API the cheaper: pay per use.")


def _remote(f: ProjectFacts, fit: dict[str, Fit]) -> None:
    """Offline or limited connectivity, or strict latency at the edge, rule out every option served
    from a remote region: the cloud API, GPUs in a cloud region, and the hybrid's API share."""
    why = f.remote_ruled_out
    if not why:
        return
    criterion = "latency" if f.connectivity == "online" else "connectivity"
    for option in REMOTE:
        fit[option].add(criterion, -100, why, exclude=True)
    fit[ON_PREMISES].add(criterion, 30, "Models on hardware at the site answer without the network.")


def _certifications(f: ProjectFacts, fit: dict[str, Fit]) -> None:
    """The regulations' certifications, against what the catalog records for each option's
    provider and region. A cloud API lacking them is ruled out for regulated data."""
    required = f.required_certifications
    if not required:
        return
    for provider in f.providers:
        option = fit[provider.option]
        missing = required - provider.held
        if not missing:
            option.add("certifications", 5, f"{provider.name} holds {certification_names(required)} (catalog).")
            continue
        text = f"{provider.name} is not recorded as holding {certification_names(missing)}"
        if provider.option == CLOUD_API and f.regulated:
            option.add("certifications", -100, text + ": regulated data cannot go to it.", exclude=True)
        elif provider.option == HYBRID:
            option.add("certifications", -10, text + ": only unregulated traffic may take the API route.")
        else:
            option.add("certifications", -20 if f.regulated else -10, text + ".")
    fit[ON_PREMISES].add("certifications", 5, "On the client's own hardware no provider's attestation is needed.")


def _upfront(f: ProjectFacts, fit: dict[str, Fit]) -> None:
    """Each option's upfront cost (hardware bought) against the upfront budget."""
    if f.upfront_budget is None or f.cost is None:
        return
    for name, option in fit.items():
        upfront = f.cost.upfront.get(name, Decimal("0"))
        if upfront > f.upfront_budget:
            option.add(
                "budget",
                -25,
                f"Needs {usd(upfront)} upfront, over the upfront budget of {usd(f.upfront_budget)}.",
            )
        elif upfront > 0:
            option.add("budget", 5, f"{usd(upfront)} upfront fits the upfront budget of {usd(f.upfront_budget)}.")


def deployment_fit(f: ProjectFacts) -> dict[str, Fit]:
    fit = {option: Fit(option) for option in DEPLOYMENT_MODELS}
    managed, customer, centre = fit[MANAGED], fit[CUSTOMER_CLOUD], fit[CUSTOMER_DATA_CENTRE]
    if f.workload_type in {"campaign_activation", "workflow_automation"}:
        managed.add("workload", 15, "Campaigns and lighter automation fit a managed application: fastest rollout.")
    elif f.workload_type in {"regulated_workflow", "internal_operations", "media_document_system"}:
        text = (
            "Regulated, internal and document systems usually need client-controlled infrastructure and "
            "change management."
        )
        customer.add("workload", 15, text)
        centre.add("workload", 10, text)
    if f.sensitive:
        customer.add("data", 20, "Sensitive data stays inside the client's own cloud account.")
        centre.add("data", 20, "Sensitive data stays inside the client's own data centre.")
        managed.add("data", -20, "Sensitive data would leave the client's environment.")
    if f.days_to_production is not None and f.days_to_production < SELF_HOSTING_LEAD_DAYS:
        managed.add("timeline", 10, "A near production date favours the lighter managed delivery.")
        customer.add("timeline", -5, "The client's governance and change process add lead time.")
        centre.add("timeline", -10, "Hardware in the client's data centre and its change process add lead time.")
    why = f.remote_ruled_out
    if why:
        criterion = "latency" if f.connectivity == "online" else "connectivity"
        managed.add(
            criterion, -100, why + " A managed application runs in the delivery organisation's region.", exclude=True
        )
        customer.add(criterion, -100, why + " A cloud account runs in a remote region.", exclude=True)
        centre.add(criterion, 30, "The client's own data centre runs next to the site, on the client's terms.")
    elif f.hardware == "none":
        centre.add("team", -15, "No hardware operations skills: a client data centre needs them.")
    return fit


def best_option(fits: dict[str, Fit]) -> str:
    return max(fits.values(), key=lambda fit: (not fit.excluded, fit.score, -list(fits).index(fit.option))).option
