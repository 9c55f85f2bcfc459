"""What to generate, and the order in which the generator's steps write it."""

import datetime
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.catalog import latest_prices, prices_import, reference_catalog_load
from assessments.cost_plan import PLATFORM_COST_DEFAULTS
from assessments.models import ApiModelPrice, CostProfile, GpuInstancePrice, ProjectStanding
from assessments.services.assessments import assessments_run
from assessments.services.estimates import estimates_recalculate
from deployments.models import CustomerCloudEnvironment, RoutingRule
from projects.models import (
    PIPELINE,
    DeploymentModel,
    EvidenceLink,
    HostingApproach,
    Project,
    RequirementsProfile,
    Stage,
    StageTransition,
    TicketReference,
    WorkloadType,
)
from tooling.portfolio.history import History
from tooling.portfolio.people import ClientsAndPeople
from tooling.portfolio.shapes import (
    API_MODELS,
    HARDWARE,
    HOLD_REASONS,
    INDUSTRY_REGULATIONS,
    OFFLINE_HARDWARE,
    PROJECT_TOPICS,
    SERVING,
    STAGE_WEIGHTS,
    WORKLOADS,
    PlannedProject,
    environment_row,
    hosting_for,
    pick,
    readiness_for,
    requirements_row,
    rough_monthly,
    routing_rows,
    sensitivity_for,
)
from tooling.portfolio.writer import RowWriter, batches

#: Password of every generated person (one hash, computed once, shared).
DEFAULT_PASSWORD = "stagegate-bench"


@dataclass(frozen=True)
class PortfolioSpec:
    """How much to generate. The defaults are the benchmark's portfolio."""

    tenants: int = 1_000
    projects: int = 50_000
    #: Rows of the per-project permission table (``ProjectUserObjectPermission``).
    permission_rows: int = 200_000
    audit_events: int = 500_000
    approval_requests: int = 20_000
    #: Clients the benchmark's delivery lead works for.
    lead_tenants: int = 200
    #: Projects run through the real estimate and assessment services.
    evaluated: int = 200
    seed: int = 1
    #: Starts every username and client slug, so two portfolios can share a database.
    prefix: str = "bench"
    password: str = DEFAULT_PASSWORD

    def scaled(self, *, projects: int | None = None, tenants: int | None = None) -> "PortfolioSpec":
        """The same shape at another size: the per-project rows (grants, audit events, approval
        requests) in proportion to the projects, the delivery lead's clients to the clients."""
        projects = self.projects if projects is None else projects
        tenants = self.tenants if tenants is None else tenants
        per_project = projects / self.projects
        return replace(
            self,
            projects=projects,
            tenants=tenants,
            permission_rows=round(self.permission_rows * per_project),
            audit_events=round(self.audit_events * per_project),
            approval_requests=round(self.approval_requests * per_project),
            lead_tenants=round(self.lead_tenants * tenants / self.tenants),
        )

    def problems(self) -> list[str]:
        problems = []
        if self.tenants < 1:
            problems.append("--tenants must be at least 1.")
        if self.projects < self.tenants:
            problems.append("--projects must be at least --tenants: every client has a project.")
        if not 0 <= self.lead_tenants <= self.tenants:
            problems.append("--lead-tenants must be between 0 and --tenants.")
        if min(self.permission_rows, self.audit_events, self.approval_requests, self.evaluated) < 0:
            problems.append("Counts cannot be negative.")
        if not self.prefix.isascii() or not self.prefix.replace("-", "").isalnum() or not self.prefix[:1].isalpha():
            problems.append("--prefix is letters, digits and hyphens, starting with a letter.")
        return problems


@dataclass
class GeneratedPortfolio:
    """What was made: row counts per table, the accounts the benchmark signs in as, and timings."""

    counts: dict[str, int]
    usernames: dict[str, str]
    password: str
    #: A project of the delivery lead's with stored estimates and assessments (for detail pages).
    sample_project_id: int | None
    #: Projects run through the real estimate and assessment services.
    evaluated: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


# --- Entry point ------------------------------------------------------------------------------


def portfolio_generate(
    spec: PortfolioSpec, *, now: datetime.datetime | None = None, log: Callable[[str], None] | None = None
) -> GeneratedPortfolio:
    """Write the portfolio ``spec`` describes, in one transaction. Refuses a prefix already used."""
    problems = spec.problems()
    if problems:
        raise ValueError(" ".join(problems))
    if User.objects.filter(username__startswith=f"{spec.prefix}-").exists():
        raise ValueError(f"A portfolio with the prefix {spec.prefix!r} exists already: use another prefix.")
    now = (now or timezone.now()).replace(microsecond=0)
    _ensure_catalog()
    with transaction.atomic():
        generator = Generator(spec, now=now, log=log or (lambda message: None))
        generated = generator.run()
    return generated


def _ensure_catalog() -> None:
    if not GpuInstancePrice.objects.exists():
        reference_catalog_load()
    missing = set(API_MODELS) - {f"{p}:{m}" for p, m in ApiModelPrice.objects.values_list("provider", "model")}
    if missing:
        prices_import()


class Generator(ClientsAndPeople, History):
    """Plans the portfolio in memory, one seeded random stream, and writes each table once."""

    def __init__(self, spec: PortfolioSpec, *, now, log):
        self.spec = spec
        self.now = now
        self.log = log
        self.rng = random.Random(spec.seed)
        self.writer = RowWriter(now)
        self.seconds: dict[str, float] = {}
        self.names: dict[int, str] = {}
        self.events: list[tuple] = []

    def run(self) -> GeneratedPortfolio:
        steps = (
            ("clients and people", self.clients_and_people),
            ("projects", self.projects),
            ("project details", self.details),
            ("stages and approvals", self.stages_and_approvals),
            ("per-project grants", self.grants),
            ("standings", self.standings),
            ("audit events", self.audit),
            ("evaluated sample", self.evaluate),
        )
        for name, step in steps:
            started = time.monotonic()
            step()
            self.seconds[name] = time.monotonic() - started
            self.log(f"{name}: {self.seconds[name]:.1f} s")
        counts = {label.split(".")[-1]: count for label, count in sorted(self.writer.counts.items())}
        return GeneratedPortfolio(
            counts=counts,
            usernames=self.usernames,
            password=self.spec.password,
            sample_project_id=self.sample_project_id,
            evaluated=self.evaluated,
            seconds=self.seconds,
        )

    # --- Projects -----------------------------------------------------------------------------

    def projects(self):
        rng = self.rng
        self.all_projects: list[PlannedProject] = []
        lead_clients = {self.clients[i].id for i in self.lead_clients}
        stage_values, stage_weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
        workload_values = list(WORKLOADS)
        workload_weights = [WORKLOADS[w][3] for w in workload_values]
        for c, size in zip(self.clients, self.sizes, strict=True):
            for _ in range(size):
                workload = rng.choices(workload_values, workload_weights)[0]
                abbreviation, things, _median, _share = WORKLOADS[workload]
                sensitivity = sensitivity_for(rng, workload, c.industry)
                regulated_client = c.industry in INDUSTRY_REGULATIONS
                deployment = (
                    DeploymentModel.CUSTOMER_CLOUD
                    if rng.random() < (0.55 if regulated_client or sensitivity == "regulated" else 0.2)
                    else DeploymentModel.MANAGED_APPLICATION
                )
                hosting = hosting_for(rng, sensitivity)
                stage = rng.choices(stage_values, stage_weights)[0]
                age = rng.randint(3, 120) if stage == Stage.DISCOVERY else rng.randint(30, 1100)
                created_at = self.now - datetime.timedelta(days=age, minutes=rng.randint(0, 1439))
                lead = self.lead if c.id in lead_clients and rng.random() < 0.4 else rng.choice(c.leads)
                project = PlannedProject(
                    id=0,  # drawn below, in order of creation
                    client=c,
                    code=abbreviation,  # numbered below, in order of creation
                    name=f"{rng.choice(PROJECT_TOPICS)} {rng.choice(things)}",
                    workload=workload,
                    stage=stage,
                    deployment=deployment,
                    hosting=hosting,
                    sensitivity=sensitivity,
                    monthly_requests=0,  # set with the requirements profile
                    api_model=pick(rng, API_MODELS) if rng.random() < 0.8 else None,
                    lead=lead,
                    created_at=created_at,
                    stage_changed_at=created_at,
                )
                self._plan_moves(project)
                c.projects.append(project)
                self.all_projects.append(project)
        # Ids and codes follow creation across all clients, as they would have been handed out.
        self.all_projects.sort(key=lambda p: (p.created_at, p.client.index))
        numbers: dict[tuple[int, str], int] = {}
        for p, project_id in zip(self.all_projects, self.writer.ids(Project, len(self.all_projects)), strict=True):
            numbers[(p.client.id, p.code)] = numbers.get((p.client.id, p.code), 0) + 1
            p.id, p.code = project_id, f"{p.code}-{numbers[(p.client.id, p.code)]}"
        self.writer.insert(
            Project,
            (
                {
                    "id": p.id,
                    "tenant_id": p.client.id,
                    "name": p.name,
                    "code": p.code,
                    "description": f"{WorkloadType(p.workload).label} for {p.client.name}: {p.name.lower()}.",
                    "delivery_lead_id": p.lead,
                    "workload_type": p.workload,
                    "deployment_model": p.deployment,
                    "hosting_approach": p.hosting,
                    "stage": p.stage,
                    "stage_before_pause": p.before_pause,
                    "stage_changed_at": p.stage_changed_at if p.moves else None,
                    "created_at": p.created_at,
                    "updated_at": max(p.stage_changed_at, p.created_at + datetime.timedelta(days=2)),
                }
                for p in self.all_projects
            ),
        )
        for p in self.all_projects:
            self._event(
                p.created_at,
                p.client.id,
                p.lead,
                "project.created",
                "projects.project",
                p.id,
                f"{p.code} — {p.name}",
                p.id,
                None,
                {"name": p.name, "code": p.code, "stage": Stage.DISCOVERY, "hosting_approach": p.hosting},
            )

    def _plan_moves(self, p: PlannedProject):
        """The stage history that leads to ``p.stage``: promotions, sometimes a rollback, then pause or retirement."""
        rng = self.rng
        if p.stage == Stage.PAUSED:
            reached = rng.choice(PIPELINE[1:])
        elif p.stage == Stage.RETIRED:
            reached = rng.choice(PIPELINE)
        else:
            reached = p.stage
        path = list(PIPELINE[: PIPELINE.index(reached) + 1])
        steps = []
        for before, after in itertools.pairwise(path):
            steps.append((StageTransition.Kind.PROMOTION, before, after))
        if len(path) >= 3 and p.stage not in (Stage.PAUSED, Stage.RETIRED) and rng.random() < 0.05:
            # Went one stage too far and came back.
            steps.insert(-1, (StageTransition.Kind.PROMOTION, path[-2], path[-1]))
            steps.insert(-1, (StageTransition.Kind.ROLLBACK, path[-1], path[-2]))
        if p.stage == Stage.PAUSED:
            steps.append((StageTransition.Kind.PAUSE, reached, Stage.PAUSED))
            p.before_pause = reached
        elif p.stage == Stage.RETIRED:
            steps.append((StageTransition.Kind.RETIREMENT, reached, Stage.RETIRED))
        if not steps:
            return
        span = (self.now - p.created_at).total_seconds()
        moments = sorted(rng.uniform(0.05, 0.97) * span for _ in steps)
        for (kind, before, after), offset in zip(steps, moments, strict=True):
            at = p.created_at + datetime.timedelta(seconds=int(offset))
            reason = "" if kind == StageTransition.Kind.PROMOTION else rng.choice(HOLD_REASONS)
            actor = p.client.approver if kind == StageTransition.Kind.PROMOTION else p.lead
            p.moves.append((kind, before, after, at, actor, reason))
        p.stage_changed_at = p.moves[-1][3]

    def details(self):
        """Requirements and cost profiles, customer-cloud environments, routing rules, tickets, evidence."""
        rng = self.rng
        profiles, plans, environments, rules, tickets, evidence = [], [], [], [], [], []
        for p in self.all_projects:
            profile = requirements_row(rng, p, self.now)
            profiles.append(profile)
            p.monthly_requests = profile["monthly_requests"]
            if p.api_model is not None:
                size_class, instance = pick(rng, SERVING)
                plans.append(
                    {
                        "tenant_id": p.client.id,
                        "project_id": p.id,
                        "api_model": p.api_model,
                        "size_class": size_class,
                        "gpu_instance": instance,
                        "hardware_profile": OFFLINE_HARDWARE
                        if profile["connectivity"] == "offline"
                        else (rng.choice(HARDWARE) if p.hosting == HostingApproach.ON_PREMISES else ""),
                        "utilisation_target": Decimal(rng.choice(("0.6", "0.7", "0.75", "0.8"))),
                        "min_replicas": rng.choice((1, 1, 2, 3)),
                        "staff_fte": Decimal(rng.choice(("0.25", "0.5", "1", "1.5", "2"))),
                        "hybrid_mode": rng.choice(
                            (CostProfile.HybridMode.SHARE, CostProfile.HybridMode.BASE_AND_BURST)
                        ),
                        "hybrid_self_hosted_share": Decimal(rng.choice(("0.3", "0.5", "0.6", "0.7"))),
                        # Written out: a blank plan field means "the defaults", and the release
                        # baseline's columns (tests/test_migration_upgrade.py) take no blanks.
                        **{
                            name: PLATFORM_COST_DEFAULTS[name]
                            for name in (
                                "staff_loaded_monthly",
                                "electricity_per_kwh",
                                "colocation_per_kw_month",
                                "pue",
                            )
                        },
                    }
                )
            if p.deployment == DeploymentModel.CUSTOMER_CLOUD and rng.random() < 0.85:
                environments.append(environment_row(rng, p, profile))
            if p.hosting == HostingApproach.HYBRID:
                rules += routing_rows(rng, p)
            for number in range(rng.choice((0, 0, 0, 1, 1, 2))):
                system = rng.choice(TicketReference.System.values[:3])
                tickets.append(
                    {
                        "tenant_id": p.client.id,
                        "project_id": p.id,
                        "system": system,
                        "key": f"{p.code}-{number + 1}",
                        "url": f"https://tickets.example.test/{p.client.slug}/{p.code}-{number + 1}",
                    }
                )
            if rng.random() < 0.15:
                evidence.append(
                    {
                        "tenant_id": p.client.id,
                        "project_id": p.id,
                        "kind": rng.choice(EvidenceLink.Kind.values),
                        "title": f"{p.name} — agreed scope",
                        "reference": f"SOW-{p.client.index + 1:04d}-{p.code}",
                        "created_at": p.created_at + datetime.timedelta(days=1),
                    }
                )
        self.writer.insert(RequirementsProfile, profiles)
        self.writer.insert(CostProfile, plans)
        self.writer.insert(CustomerCloudEnvironment, environments)
        self.writer.insert(RoutingRule, rules)
        self.writer.insert(TicketReference, tickets)
        self.writer.insert(EvidenceLink, evidence)

    # --- Where each project stands ------------------------------------------------------------

    def standings(self):
        """Latest readiness and cost for the projects assessed so far (digests that match no real run)."""
        rng = self.rng
        prices = {
            key: (price.input_per_mtok, price.output_per_mtok)
            for key, price in latest_prices(keys=set(API_MODELS)).items()
        }
        rows = []
        for p in self.all_projects:
            if p.stage == Stage.DISCOVERY and rng.random() < 0.6:
                continue
            if rng.random() < 0.1:
                continue
            status = readiness_for(rng, p)
            monthly = rough_monthly(rng, p, prices)
            assessed = min(self.now, p.stage_changed_at + datetime.timedelta(hours=rng.randint(1, 500)))
            rows.append(
                {
                    "tenant_id": p.client.id,
                    "project_id": p.id,
                    "readiness_status": status,
                    "assessed_at": assessed,
                    "assessment_digest": f"{rng.getrandbits(256):064x}",
                    "chosen_monthly": monthly,
                    "cheapest": rng.choice(("cloud_api", "cloud_api", "cloud_api", "self_hosted_cloud", "hybrid")),
                    "break_even_requests": rng.choice((None, rng.randint(2, 90) * 1_000_000)),
                    "estimated_at": assessed,
                    "estimate_digest": f"{rng.getrandbits(256):064x}",
                }
            )
        self.writer.insert(ProjectStanding, rows)

    # --- A sample through the real services ---------------------------------------------------

    def evaluate(self):
        rng = self.rng
        lead_projects = [p for p in self.all_projects if p.lead == self.lead]
        self.sample_project_id = lead_projects[0].id if lead_projects else None
        sample = rng.sample(self.all_projects, k=min(self.spec.evaluated, len(self.all_projects)))
        ids = sorted(
            {p.id for p in sample}
            | ({self.sample_project_id} if self.sample_project_id and self.spec.evaluated else set())
        )
        for chunk in batches(ids, 500):
            estimates_recalculate(list(chunk))
            assessments_run(list(chunk))
        self.evaluated = len(ids)
