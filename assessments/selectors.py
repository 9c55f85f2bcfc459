"""Reads on assessments, estimates, evidence, jobs and the catalog; visibility from ``tenancy.access``."""

from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from assessments.cost_plan import PLATFORM_COST_DEFAULTS
from assessments.models import (
    ApiModelPrice,
    Assessment,
    CostEstimate,
    GateEvidence,
    GpuInstancePrice,
    HardwareProfile,
    Job,
    ProviderCertification,
    TenantCostDefaults,
    ThroughputProfile,
)
from assessments.pricing import place_of
from assessments.readiness.certifications import required_certifications
from projects.approval_rules import CLIENT, DELIVERY_SIDE_ROLES, Approver
from projects.models import DeploymentModel, Project
from tenancy.access import Action, CompiledUnder, allowed_actions, holders, restrict, restrict_under, tenant_roles
from tenancy.models import Membership


def latest_assessment(*, project: Project, target_stage: str | None = None) -> Assessment | None:
    """The project's most recent assessment (for ``target_stage`` if given). For services: no user filter."""
    assessments = Assessment.objects.filter(project=project)
    if target_stage is not None:
        assessments = assessments.filter(target_stage=target_stage)
    return assessments.order_by("-created_at", "-pk").first()


def latest_estimate(*, project: Project) -> CostEstimate | None:
    return CostEstimate.objects.filter(project=project).order_by("-created_at", "-pk").first()


# The project page's reads of fixed shapes: their SQL compiled once per connection (``core.compiled``),
# which took longer than the database takes to answer them.
_ASSESSMENTS = CompiledUnder(lambda: Assessment.objects.order_by("-created_at", "-pk"))
_ESTIMATES = CompiledUnder(lambda: CostEstimate.objects.order_by("-created_at", "-pk"))
_CURRENT_EVIDENCE = CompiledUnder(
    lambda: GateEvidence.objects.filter(withdrawn_at=None).select_related("recorded_by", "accepted_by").order_by()
)


def assessment_history(*, user, project: Project, limit: int | None = None) -> list[Assessment]:
    """The project's latest ``limit`` assessments (all without one), newest first."""
    return _ASSESSMENTS.rows(user=user, parent=project, limit=limit)


def estimate_history(*, user, project: Project, limit: int | None = None) -> list[CostEstimate]:
    """The project's latest ``limit`` cost estimates (all without one), newest first."""
    return _ESTIMATES.rows(user=user, parent=project, limit=limit)


def evidence_for(*, user, project: Project):
    """The project's gate evidence: current first (by item), then withdrawn (latest withdrawn first),
    with the people who recorded, accepted and withdrew it (one query, whatever the number of rows)."""
    return (
        restrict_under(GateEvidence.objects.all(), user=user, parent=project)
        .select_related("recorded_by", "accepted_by", "withdrawn_by")
        .order_by(F("withdrawn_at").desc(nulls_first=True), "item", "-recorded_at", "-pk")
    )


def current_evidence(*, user, project: Project) -> dict[str, GateEvidence]:
    """The project's current (not withdrawn) evidence by checklist item, with who recorded and who
    accepted it: one query, unordered (an item has one current piece of evidence at most)."""
    return {evidence.item: evidence for evidence in _CURRENT_EVIDENCE.rows(user=user, parent=project)}


# Who accepts evidence for an item the client confirms: the client's side holding
# ``Action.APPROVE`` on the project (a customer admin or approver, by role or grant), never a
# platform admin, nor a delivery-side member of the client given approver rights on one project
# (the side is the approval rules' own: ``projects.approval_rules.Approver.side``). The rule is
# stated here once, for one person and for everyone; the service that accepts, the checklist's
# Accept button and the notice to acceptors all ask here.


def may_accept_evidence(user, project: Project, *, actions=None) -> bool:
    """Whether ``user`` accepts the project's client-side evidence (``actions``: the user's
    allowed actions on the project when the caller has them already, saving a query)."""
    if user.is_platform_admin:
        return False
    if Action.APPROVE not in (allowed_actions(user, project) if actions is None else actions):
        return False
    role = tenant_roles(user).get(project.tenant_id)
    approver = Approver(
        user_id=user.pk, is_platform_admin=False, membership_role=role and role.value, granted_approve=True
    )
    return approver.side == CLIENT


def evidence_acceptors(*, project: Project):
    """Everyone who accepts the project's client-side evidence (``may_accept_evidence``), one query."""
    delivery_side = Membership.objects.filter(
        user=OuterRef("pk"), tenant_id=project.tenant_id, role__in=DELIVERY_SIDE_ROLES
    )
    return holders(project, Action.APPROVE).filter(is_platform_admin=False).exclude(Exists(delivery_side))


def job_for(*, user, job_id: int) -> Job | None:
    return restrict(Job.objects.filter(pk=job_id), user=user).first()


# --- The price catalog (platform admins) ------------------------------------------------------


def prices_in_force(*, search: str = "", at=None):
    """The API price each ``provider:model`` is charged at now (or at ``at``), as one query.

    An entry is in force from its date until the model's next dated entry; a future-dated entry
    waits its turn. ``search`` matches the model or the provider.
    """
    at = at or timezone.now()
    newer = ApiModelPrice.objects.filter(
        provider=OuterRef("provider"),
        model=OuterRef("model"),
        effective_from__gt=OuterRef("effective_from"),
        effective_from__lte=at,
    )
    prices = ApiModelPrice.objects.filter(effective_from__lte=at).exclude(Exists(newer))
    if search:
        prices = prices.filter(Q(model__icontains=search) | Q(provider__icontains=search))
    return prices.order_by("provider", "model")


def price_history(*, provider: str, model: str):
    """Every dated price of one API model, newest first (future-dated entries included)."""
    return ApiModelPrice.objects.filter(provider=provider, model=model).order_by("-effective_from", "-pk")


def gpu_prices_in_force(*, at=None):
    """Each GPU instance's hourly price in force, per provider and region."""
    at = at or timezone.now().date()
    newer = GpuInstancePrice.objects.filter(
        provider=OuterRef("provider"),
        instance_type=OuterRef("instance_type"),
        region=OuterRef("region"),
        effective_from__gt=OuterRef("effective_from"),
        effective_from__lte=at,
    )
    return (
        GpuInstancePrice.objects.filter(effective_from__lte=at)
        .exclude(Exists(newer))
        .order_by("provider", "gpu_type", "instance_type", "region")
    )


def throughput_profiles():
    return ThroughputProfile.objects.order_by("size_class", "gpu_type", "gpus", "latency_target_ms", "engine")


def hardware_profiles():
    return HardwareProfile.objects.order_by("gpu_type", "name")


def price_import_jobs():
    return Job.objects.filter(kind=Job.Kind.PRICE_IMPORT).select_related("requested_by")


def provider_certifications():
    """The catalog's provider certifications, by provider, region and certification."""
    return ProviderCertification.objects.order_by("provider_name", "provider", "region", "certification")


# --- Who a price change affects ----------------------------------------------------------------


def projects_affected_by_prices(*, api_models=(), gpu_prices=()) -> list[int]:
    """The ids of the projects a changed price concerns: those whose latest estimate used an entry
    of the changed price, and those whose cost plan in force (defaults applied, see
    ``assessments.cost_plan``) would now pick it.

    ``api_models``: ``provider:model`` keys. ``gpu_prices``: (provider, instance type, region)
    triples; a project run where the environment names another provider or region is not
    concerned (``assessments.pricing``).
    """
    affected = set()
    if api_models:
        pairs = [key.split(":", 1) for key in api_models if ":" in key]
        used = Q(pk__in=[])
        for provider, model in pairs:
            used |= Q(standing__estimate__api_price__provider=provider, standing__estimate__api_price__model=model)
        picks = Q(effective_api_model__in=list(api_models))
        affected |= set(
            Project.objects.annotate(effective_api_model=_plan_in_force("api_model"))
            .filter(used | picks)
            .values_list("pk", flat=True)
        )
    if gpu_prices:
        used = Q(pk__in=[])
        for provider, instance, region in gpu_prices:
            used |= Q(
                standing__estimate__gpu_price__provider=provider,
                standing__estimate__gpu_price__instance_type=instance,
                standing__estimate__gpu_price__region=region,
            )
        # Priced at the nearest price because none is where it runs: any new entry of the instance may be nearer.
        used |= Q(standing__estimate__gpu_price__instance_type__in={instance for _, instance, _ in gpu_prices}) & ~Q(
            standing__estimate__inputs__sources__gpu_price__not_where_it_runs=None
        )
        affected |= set(Project.objects.filter(used).values_list("pk", flat=True))
        candidates = (
            Project.objects.annotate(effective_gpu_instance=_plan_in_force("gpu_instance"))
            .filter(effective_gpu_instance__in={instance for _, instance, _ in gpu_prices})
            .values_list(
                "pk", "effective_gpu_instance", "deployment_model", "environment__provider", "environment__regions"
            )
        )
        for pk, instance, deployment_model, provider, regions in candidates:
            place = place_of(
                customer_cloud=deployment_model == DeploymentModel.CUSTOMER_CLOUD, provider=provider, regions=regions
            )
            if any(instance == row_instance and place.admits(p, r) for p, row_instance, r in gpu_prices):
                affected.add(pk)
    return sorted(affected)


def projects_affected_by_certifications(providers) -> list[int]:
    """The ids of the projects whose readiness reads these providers' certifications: those under a
    regulation that asks a provider for one (``readiness.certifications``), whose API model in force
    is from one of the providers or whose environment is one of their cloud accounts."""
    providers = sorted(set(providers))
    if not providers:
        return []
    uses = Q(environment__provider__in=providers)
    for provider in providers:
        uses |= Q(effective_api_model__startswith=f"{provider}:")
    candidates = (
        Project.objects.annotate(effective_api_model=_plan_in_force("api_model"))
        .filter(uses)
        .values_list("pk", "profile__regulations")
    )
    return sorted(pk for pk, regulations in candidates if required_certifications(regulations or ()))


def _plan_in_force(name: str):
    """A project's cost-plan field in force, as SQL: its own, else its tenant's default, else the platform's."""
    tenant_default = Subquery(TenantCostDefaults.objects.filter(tenant=OuterRef("tenant")).values(name)[:1])
    return Coalesce(
        NullIf(F(f"cost_profile__{name}"), Value("")),
        NullIf(tenant_default, Value("")),
        Value(PLATFORM_COST_DEFAULTS[name]),
    )
