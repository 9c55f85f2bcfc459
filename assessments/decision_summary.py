"""The decision summary of approval requests (``projects.decision_summary``), built here because
it needs where each project runs (deployments) and how it stands now (assessments).

Everything is loaded for the whole batch of requests at once: four queries whatever their number
(five when a request in it was let through a change freeze).
"""

from decimal import Decimal

from accounts.models import User
from assessments.models import Assessment, ProjectStanding
from core.figures import usd
from core.moments import in_zone
from deployments.models import CustomerCloudEnvironment
from projects.approval_rules import progress
from projects.decision_summary import DecisionSummary
from projects.models import ApprovalDecision, DeploymentModel, HostingApproach, RequirementsProfile, Stage

STATUS_WORDS = dict(Assessment.Status.choices)
HOSTING_WORDS = {
    HostingApproach.CLOUD_API: "models used through a cloud provider's API",
    HostingApproach.SELF_HOSTED_CLOUD: "models the team hosts itself in a cloud region",
    HostingApproach.ON_PREMISES: "models the team hosts itself on premises",
    HostingApproach.HYBRID: "a mix of a cloud API and self-hosted models, split by routing rules",
}


def decision_summaries(requests) -> dict[int, DecisionSummary]:
    project_ids = {request.project_id for request in requests}
    decisions = {}
    for decision in ApprovalDecision.objects.filter(request__in=[request.pk for request in requests]).order_by(
        "created_at", "pk"
    ):
        decisions.setdefault(decision.request_id, []).append(decision)
    environments = {env.project_id: env for env in CustomerCloudEnvironment.objects.filter(project_id__in=project_ids)}
    standings = {
        standing.project_id: standing
        for standing in ProjectStanding.objects.filter(project_id__in=project_ids).select_related("assessment")
    }
    budgets = dict(
        RequirementsProfile.objects.filter(project_id__in=project_ids).values_list("project_id", "monthly_budget")
    )
    overriders = {request.freeze_override_by_id for request in requests} - {None}
    overriders = User.objects.in_bulk(overriders) if overriders else {}
    return {
        request.pk: _summary(
            request,
            decisions.get(request.pk, []),
            environments.get(request.project_id),
            standings.get(request.project_id),
            budgets.get(request.project_id),
            overriders.get(request.freeze_override_by_id),
        )
        for request in requests
    }


def _summary(request, decisions, environment, standing, budget, overrider) -> DecisionSummary:
    project, tenant = request.project, request.tenant
    target = Stage(request.target_stage).label
    assessment = standing.assessment if standing is not None else None
    for_target = assessment is not None and assessment.target_stage == request.target_stage
    status_now = assessment.status if for_target else None
    monthly_now = standing.chosen_monthly if standing is not None else None
    approvals = [decision.side for decision in decisions if decision.verdict == ApprovalDecision.Verdict.APPROVE]
    return DecisionSummary(
        move=f"From {Stage(request.from_stage).label} to {target}",
        where=_where(project, tenant, environment),
        hosting=_sentence_case(HOSTING_WORDS.get(project.hosting_approach, project.get_hosting_approach_display())),
        readiness=(
            f"{STATUS_WORDS[status_now]} for {target}, assessed {_when(assessment.created_at, tenant)}"
            if for_target
            else f"Not assessed for {target} yet"
        ),
        failing=list(assessment.result.get("blocking", [])) if for_target else [],
        cost=_cost(monthly_now, budget),
        progress=progress(request.policy, approvals),
        expires=f"Open until {_when(request.expires_at, tenant)}",
        asked=f"Asked by {request.requested_by} on {_when(request.created_at, tenant)}",
        when_asked=_when_asked(request.snapshot),
        changes=_changes(request.snapshot, status_now, monthly_now),
        freeze=(
            f"{overrider} let this request through a change freeze: “{request.freeze_override_reason}”"
            if overrider is not None
            else ""
        ),
    )


def _where(project, tenant, environment) -> str:
    if project.deployment_model == DeploymentModel.CUSTOMER_CLOUD:
        if environment is not None and environment.is_data_centre:
            site = environment.site or "site not recorded"
            return f"In {tenant.name}'s own data centre ({site}), under the client's control"
        account = f" ({environment})" if environment is not None else " (no environment recorded yet)"
        return f"In {tenant.name}'s own cloud account{account}, under the client's control"
    return "A managed application that the delivery organisation runs"


def _cost(monthly, budget) -> str:
    if monthly is None:
        return "No cost estimate yet"
    sentence = f"{_money(monthly)} a month for the chosen option"
    if budget is None:
        return f"{sentence}; no monthly budget set"
    verdict = "within" if monthly <= budget else "over"
    return f"{sentence}, {verdict} the budget of {_money(budget)}"


def _when_asked(snapshot: dict) -> str:
    parts = []
    if (assessment := snapshot.get("assessment")) and assessment.get("status"):
        parts.append(f"readiness {STATUS_WORDS.get(assessment['status'], assessment['status'])}")
    if (estimate := snapshot.get("estimate")) and estimate.get("chosen_monthly") is not None:
        parts.append(f"{_money(Decimal(estimate['chosen_monthly']))} a month")
    return ("When asked: " + ", ".join(parts)) if parts else ""


def _changes(snapshot: dict, status_now, monthly_now) -> list[str]:
    changes = []
    then = (snapshot.get("assessment") or {}).get("status")
    if then and status_now and then != status_now:
        changes.append(f"readiness was {STATUS_WORDS.get(then, then)}, now {STATUS_WORDS[status_now]}")
    before = (snapshot.get("estimate") or {}).get("chosen_monthly")
    if before is not None and monthly_now is not None:
        before = Decimal(before)
        if before and monthly_now != before:
            change = (monthly_now - before) / before * 100
            changes.append(f"cost {change:+.0f}% ({_money(before)} → {_money(monthly_now)} a month)")
    return changes


def _when(moment, tenant) -> str:
    return in_zone(moment, tenant.time_zone)


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _money(value) -> str:
    return usd(value, cents=True)
