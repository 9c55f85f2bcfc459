"""Background work on assessments, costs and prices. Tasks take ids and call the services."""

import datetime
import logging
import uuid

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from assessments.catalog import prices_import
from assessments.jobs import CHUNK_SIZE, chunk_not_queued, chunk_run, chunked, job_request, job_run, job_split
from assessments.models import ApiModelPrice, GpuInstancePrice, Job
from assessments.selectors import projects_affected_by_certifications, projects_affected_by_prices
from assessments.services.assessments import assessments_run
from assessments.services.estimates import estimates_recalculate
from assessments.services.evaluation import evaluate_many, project_evaluate
from audit.context import audit_context
from audit.models import AuditEvent
from core.deferred import enqueue, work_deferred
from projects.models import Project

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = getattr(settings, "EVALUATION_DEBOUNCE_SECONDS", 5)
#: A failed recalculation chunk is tried this many more times, after 2, 4, 8 … seconds.
CHUNK_RETRIES = 3
CHUNK_RETRY_BACKOFF_SECONDS = 2


@shared_task(name="assessments.run_assessment")
def run_assessment(job_id: int):
    def work(job):
        return assessments_run([job.project_id], job=job)

    with audit_context(source=AuditEvent.Source.TASK, request_id=f"job-{job_id}"):
        job_run(job_id, work)


@shared_task(name="assessments.recalculate_costs")
def recalculate_costs(job_id: int):
    def work(job):
        result = estimates_recalculate([job.project_id], job=job)
        # The assessment reads the latest estimate (budget, break-even): refresh it too.
        assessments_run([job.project_id], job=job)
        return result

    with audit_context(source=AuditEvent.Source.TASK, request_id=f"job-{job_id}"):
        job_run(job_id, work)


@shared_task(name="assessments.fan_out")
def fan_out(job_id: int):
    """Split a price change, a change of a client's cost defaults or of a provider's certifications,
    or the nightly run into chunks of projects, one task per chunk."""
    job = Job.objects.get(pk=job_id)
    if job.kind == Job.Kind.PRICE_FAN_OUT:
        project_ids = projects_affected_by_prices(
            api_models=job.parameters.get("api_models", ()),
            gpu_prices=[tuple(row) for row in job.parameters.get("gpu_prices", ())],
        )
    elif job.kind == Job.Kind.CERTIFICATIONS:
        project_ids = projects_affected_by_certifications(job.parameters.get("providers", ()))
    elif job.kind == Job.Kind.COST_DEFAULTS:
        project_ids = Project.objects.filter(tenant_id=job.tenant_id).order_by("pk").values_list("pk", flat=True)
    else:
        project_ids = Project.objects.order_by("pk").values_list("pk", flat=True)
    chunks = chunked(project_ids, size=job.parameters.get("chunk_size", CHUNK_SIZE))
    if job_split(job_id, chunks) is None:
        return
    for index, ids in enumerate(chunks):
        try:
            recalculate_chunk.delay(job_id, index, ids)
        except Exception as error:  # the broker refused: the job must still end
            logger.warning("Chunk %s of job %s could not be queued", index, job_id, exc_info=True)
            chunk_not_queued(job_id, index, error)


@shared_task(
    name="assessments.recalculate_chunk",
    bind=True,
    autoretry_for=(Exception,),
    max_retries=CHUNK_RETRIES,
    retry_backoff=CHUNK_RETRY_BACKOFF_SECONDS,
    retry_jitter=False,
)
def recalculate_chunk(self, job_id: int, index: int, project_ids: list[int]):
    """One chunk of a fan-out or nightly job. A failed chunk is retried (2, 4, 8 s later; the work
    is idempotent) before it counts as failed; the job's state is settled when every chunk ended."""
    job = Job.objects.get(pk=job_id)

    def work():
        if job.kind == Job.Kind.CERTIFICATIONS:
            # Certifications feed readiness only: the estimates stand.
            return assessments_run(project_ids, job=job)
        # Readiness reads the estimate (break-even, upfront cost): a new estimate is assessed at once.
        both = evaluate_many(project_ids, job=job)
        result = both["estimate"]
        result["assessments_stored"] = both["assessment"]["stored"]
        result.pop("failed", None)
        return result

    chunk_run(job_id, index, work, last_attempt=self.request.retries >= CHUNK_RETRIES)


@shared_task(name="assessments.nightly")
def nightly():
    """Re-run every project's estimate and assessment (beat, once a night)."""
    job_request(kind=Job.Kind.NIGHTLY, task=fan_out)


@shared_task(name="assessments.import_prices")
def import_prices(job_id: int | None = None):
    """Import API prices from genai-prices' bundled data; fan out recalculation for changed prices.

    With a job (asked for from the catalog page), its progress and result are recorded on it.
    """
    if job_id is None:
        return _import_and_fan_out()
    with audit_context(source=AuditEvent.Source.TASK, request_id=f"job-{job_id}"):
        job_run(job_id, lambda job: _import_and_fan_out())


def price_import_request(*, actor) -> Job:
    """Queue an import of the bundled prices (platform admins only).

    While one asked for in the last hour is queued or running, asking again returns that one: a
    second import at the same time would record the same new prices twice under two dates. An
    older unfinished one is taken as lost and does not block a new import.
    """
    if not actor.is_platform_admin:
        raise PermissionDenied("Only platform admins may import prices.")
    unfinished = Job.objects.filter(
        kind=Job.Kind.PRICE_IMPORT,
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        created_at__gte=timezone.now() - datetime.timedelta(hours=1),
    )
    return unfinished.order_by("-created_at", "-pk").first() or job_request(
        kind=Job.Kind.PRICE_IMPORT, task=import_prices, requested_by=actor
    )


def _import_and_fan_out() -> dict:
    result = prices_import()
    recalculation = prices_changed(api_models=result.changed_keys)
    return {
        "created": result.created,
        "unchanged": result.unchanged,
        "changed": sorted(result.changed_keys),
        "recalculation_job": recalculation.pk if recalculation else None,
    }


def prices_changed(*, api_models=(), gpu_prices=()) -> Job | None:
    """Recalculate, after the transaction commits, exactly the projects changed prices concern
    (``selectors.projects_affected_by_prices``): every path that adds a price calls this (the
    import, the Django admin). None when nothing changed."""
    parameters = {}
    if api_models:
        parameters["api_models"] = sorted(api_models)
    if gpu_prices:
        parameters["gpu_prices"] = sorted([list(row) for row in gpu_prices])
    if not parameters:
        return None
    return job_request(kind=Job.Kind.PRICE_FAN_OUT, task=fan_out, parameters=parameters)


def price_added(price) -> Job | None:
    """A catalog price just recorded: fan out now if it is in force; one dated later waits its turn
    and reaches estimates on its date (the nightly run re-prices every project)."""
    if isinstance(price, ApiModelPrice):
        if price.effective_from > timezone.now():
            return None
        return prices_changed(api_models=[price.key])
    if isinstance(price, GpuInstancePrice):
        # No client's today is more than a day ahead of UTC's: prices dated later wait.
        if price.effective_from > timezone.now().date() + datetime.timedelta(days=1):
            return None
        return prices_changed(gpu_prices=[(price.provider, price.instance_type, price.region)])
    raise TypeError(f"Not a catalog price: {price!r}")


@shared_task(name="assessments.evaluate_after_edit")
def evaluate_after_edit(project_id: int, token: str):
    """Runs the estimate and assessment after a burst of edits: only the last edit's task does the work."""
    if cache.get(_debounce_key(project_id)) != token:
        return "superseded"
    with audit_context(source=AuditEvent.Source.TASK, request_id=f"edit-{token}"):
        project_evaluate(Project.objects.get(pk=project_id))
    return "evaluated"


def schedule_evaluation(project_id: int) -> None:
    """Debounce: every committed edit replaces the token; the task scheduled by the last edit of a burst runs.

    The token is written when the edit commits, not when it is made: an edit that rolls back must
    not replace the token of a committed one, whose evaluation would then never run.

    A side effect of an edit, never a reason to refuse it: with Redis unreachable the edit is kept,
    a warning is logged, the answer says the re-evaluation waits (``core.deferred``), and the
    nightly run brings the project's assessment and estimate up to date.
    """
    transaction.on_commit(lambda: _debounce_and_enqueue(project_id))


def _debounce_and_enqueue(project_id: int) -> None:
    token = uuid.uuid4().hex
    try:
        cache.set(_debounce_key(project_id), token, timeout=DEBOUNCE_SECONDS * 20)
    except RedisError:
        logger.warning("Re-evaluation of project %s after an edit skipped: the cache is unreachable.", project_id)
        work_deferred("re-evaluation")
        return
    enqueue(
        evaluate_after_edit,
        project_id,
        token,
        kind="re-evaluation",
        countdown=DEBOUNCE_SECONDS,
        retry=True,
        retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
    )


def _debounce_key(project_id):
    return f"evaluate-after-edit:{project_id}"
