"""Readiness assessments: the readiness engine's facts for a project, and the run that stores an
assessment when they change."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from assessments import readiness
from assessments.cost_plan import plan_resolve
from assessments.models import Assessment, GateEvidence, TenantCostDefaults
from assessments.readiness.certifications import required_certifications
from assessments.services.loading import evaluable
from assessments.services.readiness_inputs import Certifications, stored_cost_facts
from assessments.services.results import ResultsWriter, digest_of, document, plain_fields, standings_update
from core.lookups import any_of
from core.moments import client_today
from deployments.forms import environment_labels
from deployments.models import RoutingRule
from projects.models import RequirementsProfile
from webhooks.services import publish_many


def assessment_inputs_load(projects) -> None:
    """Set each project's ``rules`` (routing rules in order), ``evidence`` (recorded checklist
    items), ``latest_cost`` (what the engine reads of its latest estimate) and ``providers`` (the
    providers its options use, with their certifications): four queries for the batch. Plain rows
    grouped here cost a fraction of a prefetch, which builds a queryset per project."""
    rules, evidence = defaultdict(list), defaultdict(set)
    project_ids = [project.pk for project in projects]
    for rule in (
        RoutingRule.objects.filter(any_of("project_id", project_ids))
        .order_by("project_id", "position")
        .only("project_id", "destination", "data_class", "share_percent")
    ):
        rules[rule.project_id].append(rule)
    current = GateEvidence.objects.filter(any_of("project_id", project_ids), withdrawn_at__isnull=True)
    for project_id, item, expires_on, accepted_at in current.values_list(
        "project_id", "item", "expires_on", "accepted_at"
    ):
        evidence[project_id].add((item, expires_on, accepted_at is not None))
    # An estimate just stored for a project of the batch left its facts on it (``estimates_recalculate``).
    costs_by_estimate = stored_cost_facts(
        project.latest_estimate_id for project in projects if not hasattr(project, "latest_cost")
    )
    certifications = Certifications()
    # An estimate just recalculated for a project of the batch left its resolved plan on it.
    tenant_ids = {project.tenant_id for project in projects if not hasattr(project, "cost_plan")}
    defaults = (
        {row.tenant_id: row for row in TenantCostDefaults.objects.filter(any_of("tenant_id", tenant_ids))}
        if tenant_ids
        else {}
    )
    for project in projects:
        project.rules, project.evidence = rules.get(project.pk, ()), evidence.get(project.pk, ())
        if not hasattr(project, "latest_cost"):
            project.latest_cost = costs_by_estimate.get(project.latest_estimate_id)
        project.providers = certifications.providers_for(
            project,
            api_model=_api_model(project, defaults.get(project.tenant_id)),
            environment=getattr(project, "environment", None),
        )


def _api_model(project, defaults) -> str:
    """The API model of the plan in force (the project's, else its client's default, else the platform's)."""
    if hasattr(project, "cost_plan"):
        return project.cost_plan.api_model
    try:
        profile = project.cost_profile
    except ObjectDoesNotExist:
        profile = None
    return plan_resolve(profile, defaults).api_model


def evidence_not_counting(item: str, expires_on, accepted: bool, today: datetime.date) -> str | None:
    """Why a current piece of evidence does not satisfy its item on ``today``, or None when it does:
    the one rule, for the engine, the pages and the API."""
    if expires_on is not None and expires_on < today:
        return f"the evidence expired on {expires_on:%-d %B %Y}"
    if item in readiness.CLIENT_ACCEPTED and not accepted:
        return "the evidence waits for the client's acceptance"
    return None


def facts_for(project, *, today: datetime.date) -> readiness.ProjectFacts:
    """The readiness engine's facts for a project loaded by ``projects_for_evaluation`` and
    ``assessment_inputs_load``."""
    profile: RequirementsProfile = project.profile
    environment = getattr(project, "environment", None)
    rules = project.rules
    evidence = [
        (item, evidence_not_counting(item, expires_on, accepted, today))
        for item, expires_on, accepted in project.evidence
    ]
    sensitive_classes = {"regulated", "confidential", "health", "financial", "personal"}
    env = readiness.EnvironmentFacts()
    if environment is not None:
        env = readiness.EnvironmentFacts(
            exists=True,
            kind=environment.kind,
            missing=tuple(
                label[:1].lower() + label[1:]
                for label in environment_labels(
                    environment.missing_facts(strict_residency=profile.residency == "strict")
                )
            ),
            access_signed_off=environment.access_signed_off,
            residency_signed_off=environment.residency_signed_off,
            needs_residency=bool(environment.residency_regions) or profile.residency == "strict",
        )
    return readiness.ProjectFacts(
        stage=project.stage,
        deployment_model=project.deployment_model,
        hosting_approach=project.hosting_approach,
        workload_type=project.workload_type,
        data_sensitivity=profile.data_sensitivity,
        data_categories=frozenset(profile.data_categories),
        regulations=frozenset(profile.regulations),
        residency=profile.residency,
        monthly_requests=profile.monthly_requests,
        traffic_pattern=profile.traffic_pattern,
        peak_ratio=profile.peak_ratio,
        latency_need=profile.latency_need,
        latency_target_ms=profile.latency_target_ms,
        connectivity=profile.connectivity,
        customisation=profile.customisation,
        differentiation=profile.differentiation,
        mlops=profile.mlops_capability,
        hardware=profile.hardware_capability,
        infrastructure=profile.infrastructure_capability,
        days_to_production=(profile.target_production_date - today).days if profile.target_production_date else None,
        environment=env,
        routing=readiness.RoutingFacts(
            rules=len(rules),
            shares_total=sum((rule.share_percent for rule in rules), Decimal("0")),
            sensitive_to_self_hosted=any(
                rule.destination == "self_hosted" and rule.data_class in sensitive_classes for rule in rules
            ),
        ),
        evidence=frozenset(item for item, reason in evidence if reason is None),
        evidence_waiting=tuple(sorted((item, reason) for item, reason in evidence if reason is not None)),
        monthly_budget=profile.monthly_budget,
        chosen_monthly_cost=project.latest_chosen_monthly,
        upfront_budget=profile.upfront_budget,
        cost=project.latest_cost,
        required_certifications=required_certifications(profile.regulations),
        providers=project.providers,
    )


@transaction.atomic
def assessments_run(project_ids, *, job=None, today=None, loaded=None, standings=None) -> dict:
    """Assess these projects for their next stage, set-based. Returns counts. Each project's day is
    its client's (``today`` overrides it for all, e.g. to assess as of another day). ``standings``:
    as for ``estimates_recalculate``."""
    projects = evaluable(project_ids, loaded)
    assessment_inputs_load(projects)
    # Each new assessment written as soon as it is made: the database stores one while Python
    # assesses the next projects.
    with ResultsWriter(Assessment, len(projects)) as writer:
        for project in projects:
            facts = facts_for(project, today=today or client_today(project.tenant_time_zone))
            inputs = document(
                plain_fields(facts)
                | {
                    "environment": facts.environment.__dict__,
                    "routing": facts.routing.__dict__,
                    "cost": facts.cost.__dict__ if facts.cost is not None else None,
                    "providers": [plain_fields(provider) for provider in facts.providers],
                }
            )
            digest = digest_of(inputs)
            if digest == project.latest_assessment_digest:
                writer.skip()
                continue
            result = readiness.assess(facts)
            row = {
                "tenant_id": project.tenant_id,
                "project_id": project.pk,
                "target_stage": result.target_stage or "",
                "status": result.status,
                "recommended_hosting": result.recommended_hosting,
                "recommended_deployment": result.recommended_deployment,
                "inputs": inputs,
                "inputs_digest": digest,
                "result": document(assessment_result(result)),
                "supersedes": project.latest_assessment_id or 0,
                "job_id": job.pk if job else None,
            }
            writer.write(row)
    rows = writer.written
    standings_update(
        rows,
        lambda row: {
            "assessment_id": row["id"],
            "readiness_status": row["status"],
            "assessed_at": row["created_at"],
            "assessment_digest": row["inputs_digest"],
        },
        standings=standings,
    )
    publish_many(
        [
            (
                row["tenant_id"],
                "assessment.completed",
                {
                    "project_id": row["project_id"],
                    "assessment_id": row["id"],
                    "status": row["status"],
                    "target_stage": row["target_stage"],
                },
            )
            for row in rows
        ]
    )
    return {"projects": len(projects), "stored": len(rows), "unchanged": len(projects) - len(rows)}


def assessment_result(result: readiness.Assessment) -> dict:
    """The stored result: every option's fit with its reasons (codes: ``criterion``; words:
    ``text``), the mismatches (blocking and warnings), the checklist, and why the recommended
    options win. The page and the API read this same document; the questionnaire's side panel reads it
    unsaved."""
    return {
        "hosting": {name: _fit_document(fit) for name, fit in result.hosting.items()},
        "deployment": {name: _fit_document(fit) for name, fit in result.deployment.items()},
        "mismatches": [m.__dict__ for m in result.mismatches],
        "checklist": [item.__dict__ for item in result.checklist],
        "blocking": result.blocking,
        "why": result.why,
    }


def _fit_document(fit: readiness.Fit) -> dict:
    return {
        "label": readiness.label(fit.option),
        "score": fit.score,
        "excluded": fit.excluded,
        "reasons": [r.__dict__ for r in fit.reasons],
    }
