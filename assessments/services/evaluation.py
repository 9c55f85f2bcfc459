"""Evaluating projects: the estimate first (the assessment reads it), then the assessment, loaded
once for both; and readiness evaluated now, from the data as it is, storing nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction

from assessments import costs, readiness
from assessments.services.assessments import assessment_inputs_load, assessments_run, facts_for
from assessments.services.estimates import Catalog, chosen_option, cost_inputs, estimates_recalculate
from assessments.services.loading import evaluation_lock, projects_for_evaluation
from assessments.services.readiness_inputs import cost_facts_of_estimate
from assessments.services.results import Standings, standings_write
from core.moments import client_today
from projects.models import Project


def project_evaluate(project: Project, *, job=None) -> dict:
    """Estimate first (the assessment reads the estimate), then assess."""
    return evaluate_many([project.pk], job=job)


@transaction.atomic
def evaluate_many(project_ids, *, job=None) -> dict:
    """Estimates, then assessments, of these projects, loading them once for both and pointing
    each project's standing at what was stored in one write."""
    evaluation_lock(project_ids)
    loaded = projects_for_evaluation(project_ids)
    standings = Standings()
    counts = {
        "estimate": estimates_recalculate(project_ids, job=job, loaded=loaded, standings=standings),
        "assessment": assessments_run(project_ids, job=job, loaded=loaded, standings=standings),
    }
    standings_write(standings)
    return counts


def readiness_now(
    *, project: Project, target_stage: str | None = None, today=None, profile=None
) -> readiness.Assessment | None:
    """``project``'s readiness for ``target_stage`` from its data as it is at this moment: the pure
    engines on freshly loaded facts, nothing stored. The approval gate asks this, not the stored
    assessment, which the debounced re-evaluation brings up to date only seconds after an edit, and
    which for a paused project has no target stage at all. The cost figures the gate reads
    (budget, break-even, upfront) are estimated now too, unless the catalog cannot price the project, when
    the latest stored estimate's stand. None: the project has no requirements profile to assess.

    ``target_stage`` None: the project's next stage. ``profile``: requirements answered but not
    saved (an unsaved ``RequirementsProfile``), assessed in place of the stored ones, by the same
    rules: what the questionnaire's side panel shows while the lead answers."""
    projects = [loaded for loaded in projects_for_evaluation([project.pk]) if hasattr(loaded, "profile")]
    if not projects:
        return None
    if profile is not None:
        projects[0].profile = profile
    assessment_inputs_load(projects)
    current = projects[0]
    try:
        engine_inputs, _ = cost_inputs(current, Catalog(projects))
    except ValidationError:
        pass
    else:
        estimate = costs.estimate(**engine_inputs)
        chosen = chosen_option(estimate, current.hosting_approach)
        current.latest_chosen_monthly, current.latest_cost = chosen.monthly, cost_facts_of_estimate(estimate)
    facts = facts_for(current, today=today or client_today(current.tenant_time_zone))
    return readiness.assess(facts, target_stage=target_stage)
