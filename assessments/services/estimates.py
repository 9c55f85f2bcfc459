"""Cost estimates: the catalog a batch needs, the cost engine's inputs for a project, the
recalculation that stores an estimate when they change, and the catalog rows it is priced from."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments import costs
from assessments.catalog import latest_prices
from assessments.cost_plan import CostPlan, plan_resolve
from assessments.models import (
    CostEstimate,
    CostProfile,
    GpuInstancePrice,
    HardwareProfile,
    Redundancy,
    TenantCostDefaults,
    TenantDiscount,
    ThroughputProfile,
)
from assessments.pricing import Place, gpu_price_nearest, place_of
from assessments.services.loading import evaluable
from assessments.services.readiness_inputs import cost_facts_of_estimate
from assessments.services.results import (
    Document,
    ResultsWriter,
    digest_of,
    document,
    plain,
    standings_update,
)
from core.lookups import any_of
from core.moments import client_today
from deployments.models import RoutingRule
from projects.models import Connectivity, HostingApproach
from webhooks.services import publish_many


class Catalog:
    """The catalog entries a batch of projects needs, loaded once per batch, as of ``at`` (now by
    default): prices dated later wait their turn (``assessments.pricing``)."""

    def __init__(self, projects, *, at=None):
        self.at = at or timezone.now()
        self.tenant_defaults = {
            defaults.tenant_id: defaults
            for defaults in TenantCostDefaults.objects.filter(
                any_of("tenant_id", {project.tenant_id for project in projects})
            )
        }
        self.plans = {project.pk: self.plan_for(project) for project in projects}
        self.api = latest_prices(keys={plan.api_model for plan in self.plans.values()}, at=self.at)
        self.discounts = {}
        for discount in TenantDiscount.objects.filter(
            any_of("tenant_id", {project.tenant_id for project in projects}), valid_from__lte=self.at.date()
        ).order_by("valid_from"):
            self.discounts[(discount.tenant_id, discount.provider)] = discount
        self.gpus = defaultdict(list)
        # A day later than UTC's: no client's today is past it; each project's is applied per project.
        for gpu in GpuInstancePrice.objects.filter(effective_from__lte=self.at.date() + datetime.timedelta(days=1)):
            self.gpus[gpu.instance_type].append(gpu)
        self.throughput = [figure for figure in ThroughputProfile.objects.all() if figure.sizes_replicas]
        self.hardware = {hardware.name: hardware for hardware in HardwareProfile.objects.order_by("name")}
        self.routed_shares = _routed_self_hosted_shares(projects)
        #: The throughput figure ``_replica_on`` picked, and the GPU price ``gpu_price_with_note``
        #: chose, by their question.
        self.figures = {}
        self.gpu_answers = {}

    def plan_for(self, project) -> CostPlan:
        # A project without a cost plan of its own takes every value from its client's or the platform's.
        return plan_resolve(getattr(project, "cost_profile", None), self.tenant_defaults.get(project.tenant_id))


def cost_inputs(project, catalog: Catalog) -> tuple[dict, dict]:
    """The engine's inputs for ``project`` (dataclasses) and the record of them to store (``_json``).

    A site that cannot reach any cloud (offline connectivity) is costed on owned servers only."""
    profile = project.profile
    plan = catalog.plans.get(project.pk) or catalog.plan_for(project)
    cloud = profile.connectivity != Connectivity.OFFLINE
    workload = costs.Workload(
        monthly_requests=profile.monthly_requests,
        input_tokens=profile.avg_input_tokens,
        output_tokens=profile.avg_output_tokens,
        cached_share=profile.cached_input_percent / 100,
        peak_ratio=profile.peak_ratio,
    )
    sources = {}
    engine_inputs = {"workload": workload, "price": None, "replica": None, "instance": None, "split": None}
    if cloud:
        engine_inputs |= _cloud_inputs(project, plan, catalog, sources)
    server, server_replica = _on_premises_inputs(plan, catalog, sources, profile, cloud)
    engine_inputs |= {
        "replica": engine_inputs["replica"] or server_replica,
        "staff": costs.Staff(fte=plan.staff_fte, loaded_monthly_cost=plan.staff_loaded_monthly),
        "server": server,
        "server_replica": server_replica,
        "cloud": cloud,
        "monthly_budget": profile.monthly_budget,
    }
    record = {name: (value.__dict__ if hasattr(value, "__dict__") else value) for name, value in engine_inputs.items()}
    record["sources"] = sources
    record["plan"] = plan.record()
    return engine_inputs, record


def _cloud_inputs(project, plan, catalog: Catalog, sources: dict) -> dict:
    """The API price, the rented instance, the replica on its GPU and the hybrid split."""
    price = api_price_for(catalog, plan)
    discount = catalog.discounts.get((project.tenant_id, price.provider))
    gpu, gpu_note = gpu_price_with_note(catalog, project, plan)
    replica, throughput = _replica_on(catalog, plan, gpu.gpu_type, gpu.gpus, project.profile.latency_target_ms)
    if replica is None:
        raise ValidationError(
            {
                "size_class": f"No throughput figure for a {plan.size_class} model on {gpu.gpu_type} that fits "
                f"a {gpu.instance_type} ({gpu.gpus} GPUs) in the catalog."
            }
        )
    split, split_source = _hybrid_split(project, plan, catalog)
    sources |= {
        "api_price": {
            "id": price.pk,
            "key": price.key,
            "effective_from": plain(price.effective_from),
            "source": price.source,
        },
        "gpu_price": {
            "id": gpu.pk,
            "instance": gpu.instance_type,
            "provider": gpu.provider,
            "region": gpu.region,
            "effective_from": plain(gpu.effective_from),
            "source": gpu.source,
            "not_where_it_runs": gpu_note,
        },
        "throughput": {"id": throughput.pk, "engine": throughput.engine, "source": throughput.source},
        "discount": {"id": discount.pk, "discount": discount.discount} if discount else None,
        "hybrid_split": split_source,
    }
    return {
        "price": costs.ApiPrice(
            input=price.input_per_mtok,
            output=price.output_per_mtok,
            cached_input=price.cached_input_per_mtok,
            discount=discount.discount if discount else Decimal("0"),
        ),
        "replica": replica,
        # Rented whole: an 8-GPU instance costs its hourly price however few of its GPUs are used.
        "instance": costs.CloudInstance(gpus=gpu.gpus, hourly=gpu.hourly),
        "split": split,
    }


def _on_premises_inputs(plan, catalog: Catalog, sources: dict, profile, cloud: bool):
    """The owned server and the replica on its own GPUs (``_server_for``); (None, None) when the
    catalog has no server that can run the model, unless the site has no cloud, when owned
    servers are its only option."""
    hardware, replica, throughput, chosen_as = _server_for(plan, catalog, profile.latency_target_ms)
    if hardware is None:
        if not cloud:
            raise ValidationError(
                {
                    "hardware_profile": "A site without cloud access runs on owned servers: "
                    f"the catalog has none that runs a {plan.size_class} model; name one in the cost plan."
                }
            )
        sources["hardware"] = None
        return None, None
    sources["hardware"] = {"id": hardware.pk, "name": hardware.name, "source": hardware.source, "chosen": chosen_as}
    sources["server_throughput"] = {"id": throughput.pk, "engine": throughput.engine, "source": throughput.source}
    server = costs.OnPremServer(
        capital_cost=hardware.capital_cost,
        gpus=hardware.gpus,
        kw=hardware.kw,
        life_months=hardware.life_months,
        pue=plan.pue,
        price_per_kwh=plan.electricity_per_kwh,
        colocation_per_kw_month=plan.colocation_per_kw_month,
        spare_servers=1 if plan.on_premises_redundancy == Redundancy.N_PLUS_ONE else 0,
    )
    return server, replica


def _server_for(plan, catalog: Catalog, latency_target_ms):
    """The server on-premises hosting is priced on, with the replica sized on that server's own GPU
    (never another's): the one the plan names; else one with the GPU of the plan's cloud instance;
    else, the catalog having none, the one that runs the model at the lowest price a GPU.
    Returns (server, replica, figure, how it was chosen), or four Nones."""
    if plan.hardware_profile:
        hardware = catalog.hardware.get(plan.hardware_profile)
        if hardware is None:
            raise ValidationError({"hardware_profile": f"No server named {plan.hardware_profile} in the catalog."})
        replica, throughput = _replica_on(catalog, plan, hardware.gpu_type, hardware.gpus, latency_target_ms)
        if replica is None:
            raise ValidationError(
                {"hardware_profile": f"No throughput figure for a {plan.size_class} model on the {hardware.name}."}
            )
        return hardware, replica, throughput, "named in the cost plan"
    gpu = next(iter(catalog.gpus.get(plan.gpu_instance, ())), None)  # its GPU type: any price row says it
    runnable = []
    for hardware in sorted(catalog.hardware.values(), key=lambda h: (h.capital_cost / h.gpus, h.name)):
        replica, throughput = _replica_on(catalog, plan, hardware.gpu_type, hardware.gpus, latency_target_ms)
        if replica is not None:
            if gpu is not None and hardware.gpu_type == gpu.gpu_type:
                return hardware, replica, throughput, f"the server with the plan's GPU ({gpu.gpu_type})"
            runnable.append((hardware, replica, throughput))
    if runnable:
        hardware, replica, throughput = runnable[0]
        return (
            hardware,
            replica,
            throughput,
            "no server with the plan's GPU: the lowest price a GPU that runs the model",
        )
    return None, None, None, None


def _replica_on(catalog: Catalog, plan, gpu_type: str, unit_gpus: int, latency_target_ms):
    """A replica of the plan's model size on ``gpu_type``, from the figure ``_throughput`` picks
    among those whose replica fits a unit of ``unit_gpus`` GPUs; (None, None) without one."""
    key = (plan.size_class, gpu_type, unit_gpus, latency_target_ms)
    if key not in catalog.figures:  # a batch asks the same few questions of a small catalog
        fitting = [figure for figure in catalog.throughput if figure.gpus <= unit_gpus]
        catalog.figures[key] = _throughput(fitting, plan.size_class, gpu_type, latency_target_ms)
    throughput = catalog.figures[key]
    if throughput is None:
        return None, None
    replica = costs.GpuReplica(
        gpus=throughput.gpus,
        prefill_tokens_per_second=throughput.prefill_tokens_per_second,
        decode_tokens_per_second=throughput.decode_tokens_per_second,
        utilisation_target=plan.utilisation_target,
        min_replicas=plan.min_replicas,
    )
    return replica, throughput


def _hybrid_split(project, plan, catalog: Catalog) -> tuple[costs.HybridSplit, str]:
    """The hybrid option's split: the share the project's routing rules send to self-hosted models
    when it has rules, else the cost plan's split. Returns it and where it came from."""
    routed = catalog.routed_shares.get(project.pk)
    if routed is not None and plan.hybrid_mode == CostProfile.HybridMode.SHARE:
        return costs.HybridSplit(self_hosted_share=routed), "routing rules"
    return costs.HybridSplit(mode=plan.hybrid_mode, self_hosted_share=plan.hybrid_self_hosted_share), "cost plan"


def _routed_self_hosted_shares(projects) -> dict[int, Decimal]:
    """Per hybrid project with routing rules: the share of traffic they send to self-hosted models
    (0..1). One query, and none for a batch without hybrid projects."""
    hybrid = [project.pk for project in projects if project.hosting_approach == HostingApproach.HYBRID]
    if not hybrid:
        return {}
    shares = {}
    for project_id, destination, percent in RoutingRule.objects.filter(any_of("project_id", hybrid)).values_list(
        "project_id", "destination", "share_percent"
    ):
        shares.setdefault(project_id, Decimal("0"))
        if destination == RoutingRule.Destination.SELF_HOSTED:
            shares[project_id] += percent / 100
    return shares


# --- Price selection: which catalog rows an estimate uses (rules in ``assessments.pricing``) ---


def api_price_for(catalog: Catalog, plan: CostPlan):
    """The API price in force at the catalog's moment for the plan's model; a 400-style error if none."""
    price = catalog.api.get(plan.api_model)
    if price is None:
        raise ValidationError({"api_model": f"No price in force in the catalog for {plan.api_model}."})
    return price


def gpu_price_for(catalog: Catalog, project, plan: CostPlan):
    """The GPU price in force on the client's today for the plan's instance, where the project runs."""
    gpu, _ = gpu_price_with_note(catalog, project, plan)
    return gpu


def gpu_price_with_note(catalog: Catalog, project, plan: CostPlan):
    """``gpu_price_for``, with the note saying the price is not from where the project runs (or None)."""
    # Projects loaded for evaluation carry their client's time zone (``loading.evaluable``).
    time_zone = getattr(project, "tenant_time_zone", None) or project.tenant.time_zone
    question = (plan.gpu_instance, project_place(project), client_today(time_zone, at=catalog.at))
    # Most projects of a batch ask the same question (an instance type, anywhere, today): answered once.
    if question not in catalog.gpu_answers:
        instance, place, today = question
        catalog.gpu_answers[question] = gpu_price_nearest(catalog.gpus.get(instance, ()), place=place, today=today)
    gpu, note = catalog.gpu_answers[question]
    if gpu is None:
        raise ValidationError({"gpu_instance": f"No price in force in the catalog for {plan.gpu_instance}."})
    return gpu, note


def project_place(project) -> Place:
    """Where the project's GPUs would run: its customer-cloud environment's provider and regions."""
    environment = getattr(project, "environment", None)
    return place_of(
        customer_cloud=project.is_customer_cloud,
        provider=environment.provider if environment else None,
        regions=environment.regions if environment else (),
    )


@transaction.atomic
def estimates_recalculate(project_ids, *, job=None, loaded=None, at=None, standings=None) -> dict:
    """Recalculate the cost estimates of these projects, set-based. Returns counts.

    ``at``: the moment whose prices apply (now by default; the clock a test moves).

    ``standings``: a ``results.Standings`` to gather the projects' new standing columns in, for the
    caller to write (``evaluate_many``, with the assessments'); written here when not given.

    ``loaded``: the projects from ``projects_for_evaluation``, when the caller has them already;
    each stored estimate is written back onto them, so an assessment run on the same objects reads it.
    """
    projects = evaluable(project_ids, loaded)
    catalog = Catalog(projects, at=at)
    for project in projects:
        # What an assessment of the same loaded project reads of its plan, without resolving it again.
        project.cost_plan = catalog.plans[project.pk]
    # Each new estimate written as soon as it is computed: the database stores one while Python
    # estimates the next projects.
    stored, failed = [], {}
    with ResultsWriter(CostEstimate, len(projects)) as writer:
        for project in projects:
            try:
                engine_inputs, record = cost_inputs(project, catalog)
            except ValidationError as error:
                failed[project.pk] = error.messages
                writer.skip()
                continue
            inputs = document(record)
            digest = digest_of(inputs)
            if digest == project.latest_estimate_digest:
                writer.skip()
                continue
            result = costs.estimate(**engine_inputs)
            row = _estimate_row(project, result, inputs, digest, job)
            _record_prices_and_plan(row, record)
            row["supersedes"] = project.latest_estimate_id or 0
            writer.write(row)
            stored.append(project)
            project.latest_estimate_digest = digest
            project.latest_chosen_monthly, project.latest_break_even = row["chosen_monthly"], row["break_even_requests"]
            # What an assessment of the same loaded project reads of this estimate, without reading it back.
            project.latest_cost = cost_facts_of_estimate(result)
    rows = writer.written
    for project, row in zip(stored, rows, strict=True):
        project.latest_estimate_id = row["id"]
    standings_update(
        rows,
        lambda row: {
            "estimate_id": row["id"],
            "chosen_monthly": row["chosen_monthly"],
            "cheapest": row["cheapest"],
            "break_even_requests": row["break_even_requests"],
            "estimated_at": row["created_at"],
            "estimate_digest": row["inputs_digest"],
        },
        standings=standings,
    )
    publish_many(
        [
            (
                row["tenant_id"],
                "cost.recalculated",
                {
                    "project_id": row["project_id"],
                    "estimate_id": row["id"],
                    "chosen_monthly": row["chosen_monthly"],
                    "cheapest": row["cheapest"],
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


def _throughput(profiles, size_class, gpu_type, latency_target_ms):
    """The figure to size replicas with: the best one measured at a latency the project can live
    with; where none is, the most conservative (slowest decode) — never the saturated best."""
    candidates = [p for p in profiles if p.size_class == size_class and p.gpu_type == gpu_type]
    within = [
        p
        for p in candidates
        if p.latency_target_ms is not None
        and latency_target_ms is not None
        and p.latency_target_ms <= latency_target_ms
    ]
    if within:
        return max(within, key=lambda p: (p.decode_tokens_per_second, -p.pk))
    return min(candidates, key=lambda p: (p.decode_tokens_per_second, p.pk), default=None)


#: What each of an estimate's two views of an option is, said next to the figures.
VIEWS = {
    "monthly": "Monthly view: running cost a month plus, for owned servers, their amortisation over their life.",
    "total_36_months": "36-month view: the upfront purchase plus 36 months of running cost; amortisation left out, "
    "being that purchase spread over time.",
}


def chosen_option(result: costs.Estimate, hosting_approach: str):
    """The option of ``result`` that prices the project's chosen hosting: the cloud API where the
    estimate has no figure for it, and the cheapest where the API is not priced either (a site
    without connectivity)."""
    options = result.options
    return options.get(hosting_approach) or options.get("cloud_api") or options[result.cheapest]


def _estimate_row(project, result: costs.Estimate, inputs: "Document", digest, job) -> dict:
    """The ``CostEstimate`` row to store, as ``ResultsWriter`` takes it: column values by attribute name."""
    options = result.options

    def monthly(name):
        return options[name].monthly if name in options else None

    chosen = chosen_option(result, project.hosting_approach)
    return {
        "tenant_id": project.tenant_id,
        "project_id": project.pk,
        "cloud_api_monthly": monthly("cloud_api"),
        "self_hosted_monthly": monthly("self_hosted_cloud"),
        "on_premises_monthly": monthly("on_premises"),
        "hybrid_monthly": monthly("hybrid"),
        "chosen_monthly": chosen.monthly,
        "cheapest": result.cheapest,
        "break_even_requests": result.break_even_requests,
        "inputs": inputs,
        "inputs_digest": digest,
        "result": document(
            {
                "views": VIEWS,
                "options": {
                    name: {
                        "monthly": o.monthly,
                        "running_monthly": o.running_monthly,
                        "amortisation": o.amortisation,
                        "upfront": o.upfront,
                        "total_36_months": o.total_36_months,
                        "detail": o.detail,
                        "capacity": o.capacity,
                    }
                    for name, o in options.items()
                },
                "cheapest": result.cheapest,
                "break_even_requests": result.break_even_requests,
                "break_even_note": result.break_even_note,
                "break_evens": {
                    name: {"requests": b.requests, "note": b.note} for name, b in result.break_evens.items()
                },
                "cost_per_1000_requests": result.cost_per_1000_requests,
                "budget_gap": result.budget_gap,
            }
        ),
        "job_id": job.pk if job else None,
    }


def _record_prices_and_plan(row: dict, record: dict) -> None:
    """The catalog rows the estimate was priced from, and the plan it used, stored on it."""
    # A site without cloud access is priced on owned servers only: no API or GPU price is used.
    row["api_price_id"] = (record["sources"].get("api_price") or {}).get("id")
    row["gpu_price_id"] = (record["sources"].get("gpu_price") or {}).get("id")
    row["plan"] = document(record["plan"])
