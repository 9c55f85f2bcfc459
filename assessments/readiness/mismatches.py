"""Where a project's chosen hosting and deployment disagree with what fits it, or cannot work."""

from dataclasses import dataclass

from assessments.readiness.certifications import certification_names
from assessments.readiness.facts import (
    CLOUD_API,
    CUSTOMER_CLOUD,
    HYBRID,
    ON_PREMISES,
    ON_PREMISES_LEAD_DAYS,
    SELF_HOSTING,
    SELF_HOSTING_LEAD_DAYS,
)
from assessments.readiness.fit import Fit, label
from assessments.readiness.gates import PROVIDER_TERMS_VERIFIED
from core.figures import usd


@dataclass(frozen=True)
class Mismatch:
    code: str
    severity: str  # "blocking" or "warning"
    text: str


def find_mismatches(f, hosting, deployment, best_hosting, best_deployment) -> list[Mismatch]:
    found = []
    chosen = hosting.get(f.hosting_approach)
    if chosen is not None and chosen.excluded:
        found.append(
            Mismatch(
                "hosting_impossible",
                "blocking",
                f"{label(f.hosting_approach)} cannot work here: {_top_reason(chosen)}",
            )
        )
    elif chosen is not None and hosting[best_hosting].score - chosen.score >= 20:
        found.append(
            Mismatch(
                "hosting_fit",
                "warning",
                f"{label(best_hosting)} fits better than the chosen {label(f.hosting_approach)} "
                f"({hosting[best_hosting].score} vs {chosen.score}).",
            )
        )
    chosen_deployment = deployment[f.deployment_option]
    if chosen_deployment.excluded:
        found.append(
            Mismatch(
                "deployment_impossible",
                "blocking",
                f"{label(f.deployment_option)} cannot work here: {_top_reason(chosen_deployment)}",
            )
        )
    elif deployment[best_deployment].score - chosen_deployment.score >= 20:
        found.append(
            Mismatch(
                "deployment_fit",
                "warning",
                f"{label(best_deployment)} fits better than the chosen {label(f.deployment_option)} "
                f"({deployment[best_deployment].score} vs {chosen_deployment.score}).",
            )
        )
    uses_api = f.hosting_approach in {CLOUD_API, HYBRID}
    if f.sensitive and f.hosting_approach == CLOUD_API and PROVIDER_TERMS_VERIFIED not in f.evidence:
        found.append(
            Mismatch(
                "sensitive_on_api",
                "blocking",
                "Regulated or confidential data on a cloud API with no verified provider "
                "certifications and data-handling terms.",
            )
        )
    found += _certification_mismatches(f)
    if f.upfront_budget is not None and f.cost is not None:
        upfront = f.cost.upfront.get(f.hosting_approach)
        if upfront is not None and upfront > f.upfront_budget:
            found.append(
                Mismatch(
                    "upfront_over_budget",
                    "warning",
                    f"{label(f.hosting_approach)} needs {usd(upfront)} upfront, over the upfront budget of "
                    f"{usd(f.upfront_budget)}.",
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
                    f"{label(f.deployment_option)} in name only: missing " + "; ".join(missing) + ".",
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
                    f"{label(f.hosting_approach)} with production {f.days_to_production} days away: "
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


def _top_reason(fit: Fit) -> str:
    return min(fit.reasons, key=lambda reason: reason.effect).text if fit.reasons else ""


def _certification_mismatches(f) -> list[Mismatch]:
    """Regulated data handed to a provider the catalog does not record as holding what the
    regulations ask: blocking until verified and recorded. A hybrid whose routing keeps sensitive
    data on its own models hands the API only the rest."""
    if not (f.required_certifications and f.regulated):
        return []
    if f.hosting_approach == HYBRID and f.routing.sensitive_to_self_hosted:
        return []
    provider = f.provider_for(f.hosting_approach)
    if provider is None:
        return []
    missing = f.required_certifications - provider.held
    if not missing:
        return []
    return [
        Mismatch(
            "certifications_unverified",
            "blocking",
            f"Regulated data goes to {provider.name}, which the catalog does not record as holding "
            f"{certification_names(missing)}: verify and record them, or keep the data on own models.",
        )
    ]
