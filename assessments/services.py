"""Running assessments and cost estimates for projects, one or many at a time, and recording
gate evidence. Loads data set-based (a fixed number of queries per batch, whatever its size),
calls the pure engines, stores results with the inputs they saw.

Idempotent: a result is stored only when its inputs differ from the project's latest one, so
running the same work twice leaves the same state.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from accounts import freshness
from accounts.access import Action, require
from accounts.audit import audit_record, changes, snapshot
from accounts.webhooks import publish_many
from assessments import costs, readiness
from assessments.catalog import latest_prices
from assessments.models import (
    Assessment,
    CostEstimate,
    CostProfile,
    GateEvidence,
    GpuInstancePrice,
    HardwareProfile,
    ProjectStanding,
    TenantDiscount,
    ThroughputProfile,
)
from deployments.models import RoutingRule
from projects.models import Project, RequirementsProfile
from projects.signals import project_inputs_changed

GATE_ITEMS = dict(readiness.gate_keys())
#: The first key of the advisory locks that serialise evaluations of a project ("SG" + 1).
EVALUATION_LOCK_CLASS = 0x5347_0001


# --- Loading ----------------------------------------------------------------------------------


def projects_for_evaluation(project_ids):
    """Projects with what the cost engine needs and their standing, in four queries.

    The one-to-ones (profile, environment, cost profile) are fetched by project id rather than
    joined: PostgreSQL answers a join of a few hundred projects by hashing those tables whole,
    twice as slow (measured on the benchmark portfolio). What only an assessment reads (routing
    rules, evidence) ``assessments_run`` loads for the projects it assesses, so a recalculation
    of estimates alone does not load it.
    """
    return list(
        Project.objects.filter(pk__in=project_ids)
        .prefetch_related("profile", "environment", "cost_profile")
        .annotate(
            latest_estimate_id=F("standing__estimate_id"),
            latest_estimate_digest=F("standing__estimate_digest"),
            latest_chosen_monthly=F("standing__chosen_monthly"),
            latest_break_even=F("standing__break_even_requests"),
            latest_assessment_id=F("standing__assessment_id"),
            latest_assessment_digest=F("standing__assessment_digest"),
        )
        .order_by("pk")
    )


def _assessment_inputs_load(projects) -> None:
    """Set each project's ``rules`` (routing rules in order) and ``evidence`` (recorded checklist
    items), two queries for the batch: plain rows grouped here cost a fraction of a prefetch,
    which builds a queryset per project."""
    rules, evidence = defaultdict(list), defaultdict(set)
    project_ids = [project.pk for project in projects]
    for rule in (
        RoutingRule.objects.filter(project_id__in=project_ids)
        .order_by("project_id", "position")
        .only("project_id", "destination", "data_class", "share_percent")
    ):
        rules[rule.project_id].append(rule)
    for project_id, item in GateEvidence.objects.filter(project_id__in=project_ids).values_list("project_id", "item"):
        evidence[project_id].add(item)
    for project in projects:
        project.rules, project.evidence = rules.get(project.pk, ()), evidence.get(project.pk, ())


def facts_for(project, *, today: datetime.date) -> readiness.ProjectFacts:
    """The readiness engine's facts for a project loaded by ``projects_for_evaluation`` and
    ``_assessment_inputs_load``."""
    profile: RequirementsProfile = project.profile
    environment = getattr(project, "environment", None)
    rules = project.rules
    sensitive_classes = {"regulated", "confidential", "health", "financial", "personal"}
    env = readiness.EnvironmentFacts()
    if environment is not None:
        env = readiness.EnvironmentFacts(
            exists=True,
            missing=tuple(environment.missing_facts(strict_residency=profile.residency == "strict")),
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
        evidence=frozenset(project.evidence),
        monthly_budget=profile.monthly_budget,
        chosen_monthly_cost=project.latest_chosen_monthly,
        break_even_requests=project.latest_break_even,
    )


class Catalog:
    """The catalog entries a batch of projects needs, loaded once per batch."""

    def __init__(self, projects, *, at=None):
        profiles = [_cost_profile(project) for project in projects]
        self.api = latest_prices(keys={profile.api_model for profile in profiles}, at=at)
        self.discounts = {}
        for discount in TenantDiscount.objects.filter(
            tenant_id__in={project.tenant_id for project in projects}, valid_from__lte=timezone.now().date()
        ).order_by("valid_from"):
            self.discounts[(discount.tenant_id, discount.provider)] = discount
        self.gpus = {}
        for gpu in GpuInstancePrice.objects.order_by("effective_from"):
            self.gpus[gpu.instance_type] = gpu
        self.throughput = list(ThroughputProfile.objects.all())
        self.hardware = {hardware.name: hardware for hardware in HardwareProfile.objects.all()}


def cost_inputs(project, catalog: Catalog) -> tuple[dict, dict]:
    """The engine's inputs for ``project`` (dataclasses) and the record of them to store (``_json``)."""
    profile = project.profile
    plan = _cost_profile(project)
    price = catalog.api.get(plan.api_model)
    if price is None:
        raise ValidationError({"api_model": f"No price in the catalog for {plan.api_model}."})
    discount = catalog.discounts.get((project.tenant_id, price.provider))
    gpu = catalog.gpus.get(plan.gpu_instance)
    if gpu is None:
        raise ValidationError({"gpu_instance": f"No price in the catalog for {plan.gpu_instance}."})
    throughput = _throughput(catalog.throughput, plan.size_class, gpu.gpu_type, profile.latency_target_ms)
    if throughput is None:
        raise ValidationError(
            {"size_class": f"No throughput figure for a {plan.size_class} model on {gpu.gpu_type} in the catalog."}
        )
    hardware = catalog.hardware.get(plan.hardware_profile) or next(iter(catalog.hardware.values()), None)
    engine_inputs = {
        "workload": costs.Workload(
            monthly_requests=profile.monthly_requests,
            input_tokens=profile.avg_input_tokens,
            output_tokens=profile.avg_output_tokens,
            cached_share=profile.cached_input_percent / 100,
            peak_ratio=profile.peak_ratio,
        ),
        "price": costs.ApiPrice(
            input=price.input_per_mtok,
            output=price.output_per_mtok,
            cached_input=price.cached_input_per_mtok,
            discount=discount.discount if discount else Decimal("0"),
        ),
        "replica": costs.GpuReplica(
            gpus=throughput.gpus,
            gpu_hourly=gpu.gpu_hourly,
            output_tokens_per_second=throughput.output_tokens_per_second,
            utilisation_target=plan.utilisation_target,
            min_replicas=plan.min_replicas,
        ),
        "staff": costs.Staff(fte=plan.staff_fte, loaded_monthly_cost=plan.staff_loaded_monthly),
        "server": costs.OnPremServer(
            capital_cost=hardware.capital_cost,
            gpus=hardware.gpus,
            kw=hardware.kw,
            life_months=hardware.life_months,
            pue=plan.pue,
            price_per_kwh=plan.electricity_per_kwh,
            colocation_per_kw_month=plan.colocation_per_kw_month,
        )
        if hardware
        else None,
        "split": costs.HybridSplit(mode=plan.hybrid_mode, self_hosted_share=plan.hybrid_self_hosted_share),
        "monthly_budget": profile.monthly_budget,
    }
    record = {name: (value.__dict__ if hasattr(value, "__dict__") else value) for name, value in engine_inputs.items()}
    record["sources"] = {
        "api_price": {"id": price.pk, "key": price.key, "effective_from": price.effective_from, "source": price.source},
        "gpu_price": {"id": gpu.pk, "instance": gpu.instance_type, "source": gpu.source},
        "throughput": {"id": throughput.pk, "engine": throughput.engine, "source": throughput.source},
        "hardware": {"id": hardware.pk, "name": hardware.name, "source": hardware.source} if hardware else None,
        "discount": {"id": discount.pk, "discount": discount.discount} if discount else None,
    }
    return engine_inputs, record


# --- Running ----------------------------------------------------------------------------------


def _evaluable(project_ids, loaded):
    """The projects with a profile, locked for evaluation and loaded, unless the caller already has them."""
    if loaded is None:
        _evaluation_lock(project_ids)
        loaded = projects_for_evaluation(project_ids)
    return [project for project in loaded if hasattr(project, "profile")]


def _evaluation_lock(project_ids) -> None:
    """Evaluations of the same project, one at a time, until the transaction ends. Taken before the
    projects' latest results are read: an overlapping run waits, then reads what the first stored
    and stores nothing for inputs it already saw. (The results' unique ``supersedes`` keeps it so
    at the database.) PostgreSQL advisory locks, in id order so runs cannot deadlock; they do not
    block edits. SQLite runs one writing transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) FROM unnest(%s::bigint[]) AS id ORDER BY id",
            [EVALUATION_LOCK_CLASS, sorted(set(project_ids))],
        )


@transaction.atomic
def estimates_recalculate(project_ids, *, job=None, loaded=None) -> dict:
    """Recalculate the cost estimates of these projects, set-based. Returns counts.

    ``loaded``: the projects from ``projects_for_evaluation``, when the caller has them already;
    each stored estimate is written back onto them, so an assessment run on the same objects reads it.
    """
    projects = _evaluable(project_ids, loaded)
    catalog = Catalog(projects)
    rows, stored, failed = [], [], {}
    for project in projects:
        try:
            engine_inputs, record = cost_inputs(project, catalog)
        except ValidationError as error:
            failed[project.pk] = error.messages
            continue
        inputs = _json(record)
        digest = _digest(inputs)
        if digest == project.latest_estimate_digest:
            continue
        result = costs.estimate(**engine_inputs)
        row = _estimate_row(project, result, inputs, digest, job)
        row.supersedes = project.latest_estimate_id or 0
        rows.append(row)
        stored.append(project)
        project.latest_estimate_digest = digest
        project.latest_chosen_monthly, project.latest_break_even = row.chosen_monthly, row.break_even_requests
    _results_store(CostEstimate, rows)
    for project, row in zip(stored, rows, strict=True):
        project.latest_estimate_id = row.pk
    _standings_update(
        rows,
        lambda row: {
            "estimate_id": row.pk,
            "chosen_monthly": row.chosen_monthly,
            "cheapest": row.cheapest,
            "break_even_requests": row.break_even_requests,
            "estimated_at": row.created_at,
            "estimate_digest": row.inputs_digest,
        },
    )
    publish_many(
        [
            (
                row.tenant_id,
                "cost.recalculated",
                {
                    "project_id": row.project_id,
                    "estimate_id": row.pk,
                    "chosen_monthly": row.chosen_monthly,
                    "cheapest": row.cheapest,
                },
            )
            for row in rows
        ]
    )
    return {
        "projects": len(projects),
        "stored": len(rows),
        "unchanged": len(projects) - len(rows) - len(failed),
        "failed": failed,
    }


@transaction.atomic
def assessments_run(project_ids, *, job=None, today=None, loaded=None) -> dict:
    """Assess these projects for their next stage, set-based. Returns counts."""
    today = today or timezone.localdate()
    projects = _evaluable(project_ids, loaded)
    _assessment_inputs_load(projects)
    rows = []
    for project in projects:
        facts = facts_for(project, today=today)
        inputs = _json(facts.__dict__ | {"environment": facts.environment.__dict__, "routing": facts.routing.__dict__})
        digest = _digest(inputs)
        if digest == project.latest_assessment_digest:
            continue
        result = readiness.assess(facts)
        rows.append(
            Assessment(
                tenant_id=project.tenant_id,
                project_id=project.pk,
                target_stage=result.target_stage or "",
                status=result.status,
                recommended_hosting=result.recommended_hosting,
                recommended_deployment=result.recommended_deployment,
                inputs=inputs,
                inputs_digest=digest,
                result=_json(_assessment_result(result)),
                supersedes=project.latest_assessment_id or 0,
                job=job,
            )
        )
    _results_store(Assessment, rows)
    _standings_update(
        rows,
        lambda row: {
            "assessment_id": row.pk,
            "readiness_status": row.status,
            "assessed_at": row.created_at,
            "assessment_digest": row.inputs_digest,
        },
    )
    publish_many(
        [
            (
                row.tenant_id,
                "assessment.completed",
                {
                    "project_id": row.project_id,
                    "assessment_id": row.pk,
                    "status": row.status,
                    "target_stage": row.target_stage,
                },
            )
            for row in rows
        ]
    )
    return {"projects": len(projects), "stored": len(rows), "unchanged": len(projects) - len(rows)}


def project_evaluate(project: Project, *, job=None) -> dict:
    """Estimate first (the assessment reads the estimate), then assess."""
    return evaluate_many([project.pk], job=job)


@transaction.atomic
def evaluate_many(project_ids, *, job=None) -> dict:
    """Estimates, then assessments, of these projects, loading them once for both."""
    _evaluation_lock(project_ids)
    loaded = projects_for_evaluation(project_ids)
    return {
        "estimate": estimates_recalculate(project_ids, job=job, loaded=loaded),
        "assessment": assessments_run(project_ids, job=job, loaded=loaded),
    }


def readiness_now(*, project: Project, target_stage: str, today=None) -> readiness.Assessment | None:
    """``project``'s readiness for ``target_stage`` from its data as it is at this moment: the pure
    engines on freshly loaded facts, nothing stored. The approval gate asks this, not the stored
    assessment, which the debounced re-evaluation brings up to date only seconds after an edit, and
    which for a paused project has no target stage at all. The cost figures the gate reads
    (budget, break-even) are estimated now too, unless the catalog cannot price the project, when
    the latest stored estimate's stand. None: the project has no requirements profile to assess."""
    projects = [loaded for loaded in projects_for_evaluation([project.pk]) if hasattr(loaded, "profile")]
    if not projects:
        return None
    _assessment_inputs_load(projects)
    current = projects[0]
    try:
        engine_inputs, _ = cost_inputs(current, Catalog(projects))
    except ValidationError:
        pass
    else:
        estimate = costs.estimate(**engine_inputs)
        chosen = estimate.options.get(current.hosting_approach) or estimate.options["cloud_api"]
        current.latest_chosen_monthly, current.latest_break_even = chosen.monthly, estimate.break_even_requests
    facts = facts_for(current, today=today or timezone.localdate())
    return readiness.assess(facts, target_stage=target_stage)


# --- Evidence ---------------------------------------------------------------------------------


@transaction.atomic
def evidence_record(*, project: Project, actor, item: str, note: str, url: str = "") -> GateEvidence:
    """Record what satisfies one stage-gate item (``Action.CHANGE_TECHNICAL``)."""
    require(actor, project, Action.CHANGE_TECHNICAL)
    if item not in GATE_ITEMS:
        raise ValidationError({"item": f"Not a checklist item. Choose one of: {', '.join(GATE_ITEMS)}."})
    if not note.strip():
        raise ValidationError({"note": "Say what the evidence is."})
    # Created under the (project, item) constraint, then locked: two people recording the same item
    # at once both succeed, the second changing what the first recorded.
    evidence, created = GateEvidence.objects.get_or_create(
        project=project, item=item, defaults={"tenant_id": project.tenant_id, "note": note, "recorded_by": actor}
    )
    if not created:
        evidence = GateEvidence.objects.select_for_update().get(pk=evidence.pk)
    before = None if created else {"note": evidence.note, "url": evidence.url}
    evidence.note, evidence.url, evidence.recorded_by = note, url, actor
    evidence.full_clean()
    evidence.save()
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    audit_record(
        action="gate.evidence_recorded",
        obj=evidence,
        actor=actor,
        before=before,
        after={"item": item, "note": note, "url": url},
    )
    return evidence


@transaction.atomic
def evidence_withdraw(*, evidence: GateEvidence, actor) -> None:
    require(actor, evidence.project, Action.CHANGE_TECHNICAL)
    audit_record(
        action="gate.evidence_withdrawn",
        obj=evidence,
        actor=actor,
        before={"item": evidence.item, "note": evidence.note},
    )
    evidence.delete()
    project_inputs_changed.send(sender=Project, project_id=evidence.project_id)


# --- Internals --------------------------------------------------------------------------------


def _cost_profile(project) -> CostProfile:
    try:
        return project.cost_profile
    except CostProfile.DoesNotExist:
        return CostProfile(tenant_id=project.tenant_id, project_id=project.pk)


def _throughput(profiles, size_class, gpu_type, latency_target_ms):
    """The best figure measured at a latency the project can live with; else the saturated one."""
    candidates = [p for p in profiles if p.size_class == size_class and p.gpu_type == gpu_type]
    within = [
        p
        for p in candidates
        if p.latency_target_ms is not None
        and latency_target_ms is not None
        and p.latency_target_ms <= latency_target_ms
    ]
    pool = within or [p for p in candidates if p.latency_target_ms is None] or candidates
    return max(pool, key=lambda p: (p.output_tokens_per_second, -p.pk), default=None)


def _standings_update(rows, columns) -> None:
    """Point each project's standing at its newly stored assessment or estimate (one upsert)."""
    if not rows:
        return
    if _copy_available():
        _standings_upsert(rows, columns)
    else:
        standings = [
            ProjectStanding(tenant_id=row.tenant_id, project_id=row.project_id, **columns(row)) for row in rows
        ]
        ProjectStanding.objects.bulk_create(
            standings, update_conflicts=True, unique_fields=["project"], update_fields=list(columns(rows[0]))
        )
    freshness.tenants_changed({row.tenant_id for row in rows})


def _estimate_row(project, result: costs.Estimate, inputs: "_Json", digest, job) -> CostEstimate:
    options = result.options
    chosen = options.get(project.hosting_approach) or options["cloud_api"]
    return CostEstimate(
        tenant_id=project.tenant_id,
        project_id=project.pk,
        cloud_api_monthly=options["cloud_api"].monthly,
        self_hosted_monthly=options["self_hosted_cloud"].monthly,
        on_premises_monthly=options["on_premises"].monthly if "on_premises" in options else None,
        hybrid_monthly=options["hybrid"].monthly,
        chosen_monthly=chosen.monthly,
        cheapest=result.cheapest,
        break_even_requests=result.break_even_requests,
        inputs=inputs,
        inputs_digest=digest,
        result=_json(
            {
                "options": {
                    name: {
                        "monthly": o.monthly,
                        "total_36_months": o.total_36_months,
                        "detail": o.detail,
                        "capacity": o.capacity,
                    }
                    for name, o in options.items()
                },
                "cheapest": result.cheapest,
                "break_even_requests": result.break_even_requests,
                "break_even_note": result.break_even_note,
                "cost_per_1000_requests": result.cost_per_1000_requests,
                "budget_gap": result.budget_gap,
            }
        ),
        job=job,
    )


def _assessment_result(result: readiness.Assessment) -> dict:
    return {
        "hosting": {
            name: {"score": fit.score, "excluded": fit.excluded, "reasons": [r.__dict__ for r in fit.reasons]}
            for name, fit in result.hosting.items()
        },
        "deployment": {
            name: {"score": fit.score, "reasons": [r.__dict__ for r in fit.reasons]}
            for name, fit in result.deployment.items()
        },
        "mismatches": [m.__dict__ for m in result.mismatches],
        "checklist": [item.__dict__ for item in result.checklist],
        "blocking": result.blocking,
    }


class _Json(str):
    """A stored result's JSON document, serialised once: its digest is taken of this text and
    ``_results_store`` writes it as it is."""


def _json(value) -> _Json:
    """The document stored for ``value``: keys sorted, the text its digest is taken of."""
    return _Json(json.dumps(value, cls=_Encoder, sort_keys=True))


def _digest(document: _Json) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        # Decimals are most of what a result holds: spare them the superclass's chain of checks.
        if type(o) is Decimal:
            return str(o)
        if isinstance(o, frozenset | set):
            return sorted(o)
        return super().default(o)


def _copy_available() -> bool:
    """PostgreSQL: results are written by ``COPY`` and standings by one ``UNNEST`` upsert, each
    statement built here; elsewhere by ``bulk_create``, which stores the same rows."""
    return connection.vendor == "postgresql"


def _standings_upsert(rows, columns) -> None:
    """``_standings_update``'s upsert as one statement of one array per column: ``bulk_create``
    spent longer preparing it, value by value, than the database took to run it (measured)."""
    updated = list(columns(rows[0]))
    inserted = ["project_id", "tenant_id", *updated]
    fields = [ProjectStanding._meta.get_field(name) for name in inserted]
    fields += [field for field in ProjectStanding._meta.concrete_fields if field.attname not in inserted]
    defaults = [field.get_default() for field in fields[len(inserted) :]]
    values = [(row.project_id, row.tenant_id, *columns(row).values(), *defaults) for row in rows]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(ProjectStanding._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT * FROM UNNEST({', '.join(f'%s::{f.db_type(connection)}[]' for f in fields)}) "
        f"ON CONFLICT ({quote('project_id')}) DO UPDATE SET "
        + ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields[2 : len(inserted)])
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*values, strict=True)])


def _results_store(model, rows) -> None:
    """Insert unsaved ``CostEstimate`` or ``Assessment`` rows, whose JSON columns hold ``_Json``
    text; sets each row's ``pk`` and ``created_at``.

    On PostgreSQL, one ``COPY`` with primary keys taken from the sequence: the documents go as
    the text they were digested from, and no statement of thousands of parameters is built and
    quoted, which made ``bulk_create`` the larger part of a recalculation (measured on the
    benchmark portfolio).
    """
    if not rows:
        return
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    documents = [field.attname for field in fields if isinstance(field, models.JSONField)]
    for row in rows:
        row.created_at = now
    if not _copy_available():
        for row in rows:
            for name in documents:
                setattr(row, name, json.loads(getattr(row, name)))
        model.objects.bulk_create(rows)
        return
    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(field.column) for field in [model._meta.pk, *fields])
    names = [field.attname for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, len(rows)],
        )
        ids = sorted(pk for (pk,) in cursor.fetchall())
        with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                row.pk = pk
                copy.write_row([pk, *(getattr(row, name) for name in names)])


COST_PROFILE_FIELDS = [
    field.name for field in CostProfile._meta.concrete_fields if field.name not in {"id", "tenant", "project"}
]


@transaction.atomic
def cost_profile_update(*, project: Project, actor, **fields) -> CostProfile:
    """How the project would be served under each option (technical: ``Action.CHANGE_TECHNICAL``)."""
    require(actor, project, Action.CHANGE_TECHNICAL)
    unknown = set(fields) - set(COST_PROFILE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of the cost profile."))
    # The project row is locked first: the cost profile may not exist yet, and a lock on no row
    # would let two first saves both insert.
    project = Project.objects.select_for_update().get(pk=project.pk)
    plan = CostProfile.objects.filter(project=project).first() or CostProfile(
        tenant_id=project.tenant_id, project=project
    )
    before = snapshot(plan, COST_PROFILE_FIELDS) if plan.pk else {}
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    before, after = changes(before, snapshot(plan, COST_PROFILE_FIELDS))
    if after or plan.pk is None:
        plan.save()
        audit_record(action="project.cost_profile_updated", obj=project, actor=actor, before=before, after=after)
        project_inputs_changed.send(sender=Project, project_id=project.pk)
    return plan
