"""``assess``: a project's fit, mismatches and checklist for its next stage, and the status they
add up to."""

from dataclasses import dataclass

from assessments.readiness.explain import why_recommended
from assessments.readiness.facts import ProjectFacts
from assessments.readiness.fit import Fit, best_option, deployment_fit, hosting_fit
from assessments.readiness.gates import FAILED, ChecklistItem, stage_checklist
from assessments.readiness.mismatches import Mismatch, find_mismatches

READY = "ready"
AT_RISK = "at_risk"
BLOCKED = "blocked"


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
    #: Why each recommended option wins: {"hosting": sentence, "deployment": sentence}.
    why: dict[str, str]


def assess(facts: ProjectFacts, *, target_stage: str | None = None) -> Assessment:
    target = target_stage or facts.next_stage
    hosting = hosting_fit(facts)
    deployment = deployment_fit(facts)
    recommended_hosting = best_option(hosting)
    recommended_deployment = best_option(deployment)
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
        {
            "hosting": why_recommended(hosting, recommended_hosting),
            "deployment": why_recommended(deployment, recommended_deployment),
        },
    )
