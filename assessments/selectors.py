"""Reads on assessments, estimates, evidence, jobs and the catalog; visibility from ``accounts.access``."""

from accounts.access import Action, restrict
from assessments.models import Assessment, CostEstimate, GateEvidence, Job
from projects.models import Project


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
    return restrict(GateEvidence.objects.filter(project=project), user=user).select_related("recorded_by")


def job_for(*, user, job_id: int) -> Job | None:
    return restrict(Job.objects.filter(pk=job_id), user=user).first()
