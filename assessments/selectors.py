"""Reads on assessments, estimates, evidence, jobs and the catalog; visibility from ``tenancy.access``."""

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from assessments.models import (
    ApiModelPrice,
    Assessment,
    CostEstimate,
    GateEvidence,
    GpuInstancePrice,
    HardwareProfile,
    Job,
    ThroughputProfile,
)
from projects.models import Project
from tenancy.access import Action, allowed_actions, holders, restrict


def latest_assessment(*, project: Project, target_stage: str | None = None) -> Assessment | None:
    """The project's most recent assessment (for ``target_stage`` if given). For services: no user filter."""
    assessments = Assessment.objects.filter(project=project)
    if target_stage is not None:
        assessments = assessments.filter(target_stage=target_stage)
    return assessments.order_by("-created_at", "-pk").first()


def latest_estimate(*, project: Project) -> CostEstimate | None:
    return CostEstimate.objects.filter(project=project).order_by("-created_at", "-pk").first()


def assessment_history(*, user, project: Project):
    return restrict(Assessment.objects.filter(project=project), user=user, action=Action.VIEW).order_by(
        "-created_at", "-pk"
    )


def estimate_history(*, user, project: Project):
    return restrict(CostEstimate.objects.filter(project=project), user=user, action=Action.VIEW).order_by(
        "-created_at", "-pk"
    )


def evidence_for(*, user, project: Project):
    """The project's gate evidence: current first (by item), then withdrawn (latest withdrawn first),
    with the people who recorded, accepted and withdrew it (one query, whatever the number of rows)."""
    return (
        restrict(GateEvidence.objects.filter(project=project), user=user)
        .select_related("recorded_by", "accepted_by", "withdrawn_by")
        .order_by(F("withdrawn_at").desc(nulls_first=True), "item", "-recorded_at", "-pk")
    )


def current_evidence(*, user, project: Project) -> dict[str, GateEvidence]:
    """The project's current (not withdrawn) evidence by checklist item, one query."""
    return {evidence.item: evidence for evidence in evidence_for(user=user, project=project).filter(withdrawn_at=None)}


# Who accepts evidence for an item the client confirms: the client's side holding
# ``Action.APPROVE`` on the project (a customer admin or approver, by role or grant), never a
# platform admin. The rule is stated here once, for one person and for everyone; the service that
# accepts, the checklist's Accept button and the notice to acceptors all ask here.


def may_accept_evidence(user, project: Project, *, actions=None) -> bool:
    """Whether ``user`` accepts the project's client-side evidence (``actions``: the user's
    allowed actions on the project when the caller has them already, saving a query)."""
    if user.is_platform_admin:
        return False
    return Action.APPROVE in (allowed_actions(user, project) if actions is None else actions)


def evidence_acceptors(*, project: Project):
    """Everyone who accepts the project's client-side evidence (``may_accept_evidence``), one query."""
    return holders(project, Action.APPROVE).filter(is_platform_admin=False)


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
