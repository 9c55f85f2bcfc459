"""Jobs: the record of a requested background run, so people and integrations can follow it.

``job_request`` creates the job and enqueues its task only once the transaction commits; the
task calls ``job_run`` (one piece of work) or ``chunk_run`` (one chunk of a split job). Both are
idempotent: a finished job or chunk is not run again.
"""

import re
import traceback

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from assessments.models import Job, JobChunk
from core import deferred
from core.moments import in_zone

CHUNK_SIZE = 500

#: What a job of each kind is doing, as its state says it: "Recalculating the costs: 3 of 10 parts done".
DOING = {
    Job.Kind.ASSESSMENT: "Assessing readiness",
    Job.Kind.COST: "Recalculating the costs and readiness",
    Job.Kind.PRICE_FAN_OUT: "Recalculating the projects that use a changed price",
    Job.Kind.COST_DEFAULTS: "Recalculating the client's projects after a change of its cost defaults",
    Job.Kind.CERTIFICATIONS: "Re-assessing the projects a changed provider certification concerns",
    Job.Kind.NIGHTLY: "Recalculating every project for the night",
    Job.Kind.PRICE_IMPORT: "Importing the bundled prices",
}
#: The start of what ``_enqueue`` records when the broker could not be reached.
QUEUE_UNREACHABLE = "Could not reach the task queue"
#: "ZeroDivisionError: division by zero", "kombu.exceptions.OperationalError: …": an exception as the
#: runner records it (``traceback.format_exception_only``), its type then its message.
_EXCEPTION = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Timeout)\w*: ?(.*)$", re.S)


class QueueUnavailable(deferred.QueueUnavailable):
    """The task queue (Redis) could not be reached: the job was recorded as failed, nothing runs."""

    def __init__(self, job: Job):
        self.job = job
        super().__init__("The task queue is unavailable right now, so the work was not started. Try again shortly.")


def job_state(job: Job) -> str:
    """Where a job stands, as a sentence with its times in its client's time zone (UTC for the
    platform's own jobs): "Recalculating the costs and readiness: 3 of 10 parts done.", "Failed on …:
    the task queue could not be reached, so nothing ran. Try again in a moment." (The API keeps the
    status code and the recorded error.)"""
    time_zone = job.tenant.time_zone if job.tenant_id else "UTC"
    doing = DOING.get(job.kind, job.get_kind_display())
    if job.status == Job.Status.QUEUED:
        return f"{doing}: waiting for a worker since {in_zone(job.created_at, time_zone)}."
    if job.status == Job.Status.RUNNING:
        if job.chunks_total:
            return f"{doing}: {job.chunks.count()} of {job.chunks_total} parts done."
        return f"{doing}: started {in_zone(job.started_at or job.created_at, time_zone)}."
    when = in_zone(job.finished_at or job.created_at, time_zone)
    if job.status == Job.Status.DONE:
        return f"Finished on {when}."
    return f"Failed on {when}: {_failure(job)}"


def _failure(job: Job) -> str:
    """Why a job failed, for a person: what went wrong and what to do, with the error's own words."""
    error = job.error.strip()
    if error.startswith(QUEUE_UNREACHABLE):
        return "the task queue could not be reached, so nothing ran. Try again in a moment."
    parts = [line for line in error.splitlines() if line.startswith("chunk ")]
    if job.chunks_total and parts:
        return (
            f"{len(parts)} of {job.chunks_total} parts could not be recalculated; the others were. "
            "The nightly run tries them again."
        )
    match = _EXCEPTION.match(error)
    words = (match.group(1) if match else error).strip()
    said = f" (“{words}”)" if words else ""
    return f"it stopped on an error{said}. Try again; if it fails again, the operators' log has the details."


def job_request(*, kind: str, task, project=None, tenant=None, requested_by=None, parameters=None) -> Job:
    """Record a job and enqueue its task once the transaction commits.

    If the broker cannot be reached within a few seconds, the job is marked failed and
    ``QueueUnavailable`` is raised: callers answer at once instead of waiting on a dead queue.
    """
    job = Job.objects.create(
        kind=kind,
        project=project,
        tenant=tenant or (project.tenant if project else None),
        requested_by=requested_by,
        parameters=parameters or {},
    )
    transaction.on_commit(lambda: _enqueue(task, job))
    return job


def _enqueue(task, job: Job) -> None:
    try:
        task.apply_async((job.pk,), retry=True, retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY)
    except BrokerUnreachable as error:
        _finish(job, status=Job.Status.FAILED, error=f"{QUEUE_UNREACHABLE}: {error}")
        job.refresh_from_db()
        raise QueueUnavailable(job) from error


def job_run(job_id: int, work) -> Job:
    """Run ``work(job) -> dict`` for a job not yet done, recording running / done / failed."""
    job = _start(job_id)
    if job is None:
        return Job.objects.get(pk=job_id)
    try:
        result = work(job)
    except Exception as error:
        _finish(job, status=Job.Status.FAILED, error="".join(traceback.format_exception_only(error)).strip())
        raise
    _finish(job, status=Job.Status.DONE, result=result)
    return job


def job_split(job_id: int, chunks: list) -> Job | None:
    """Mark a job running and record how many chunks it was split into."""
    job = _start(job_id)
    if job is None:
        return None
    Job.objects.filter(pk=job.pk).update(chunks_total=len(chunks))
    if not chunks:
        _finish(job, status=Job.Status.DONE, result={"chunks": 0})
    return job


def chunk_run(job_id: int, index: int, work, *, last_attempt: bool = True) -> None:
    """Run one chunk of a split job unless it already finished; the last chunk to end closes the job.

    A failed attempt that will be retried (``last_attempt`` False) leaves a note on the job, which
    keeps running; a chunk ends when it succeeds or its last attempt fails. The job is then done if
    every chunk succeeded, failed (naming the chunks) if any did not.
    """
    if JobChunk.objects.filter(job_id=job_id, index=index).exists():
        return
    try:
        result = work()
    except Exception as error:
        reason = "".join(traceback.format_exception_only(error)).strip()
        if not last_attempt:
            Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
                error=f"chunk {index} failed, retrying: {reason}"[:4000]
            )
            raise
        _chunk_end(job_id, index, {"error": reason})
        raise
    _chunk_end(job_id, index, result)


def chunk_not_queued(job_id: int, index: int, error: Exception) -> None:
    """A chunk the queue refused ends as failed at once, so its job still settles (as failed,
    naming it) instead of running forever; the next nightly run or price change covers its projects."""
    reason = "".join(traceback.format_exception_only(error)).strip()
    _chunk_end(job_id, index, {"error": f"not queued: {reason}"})


def _chunk_end(job_id: int, index: int, result: dict) -> None:
    try:
        with transaction.atomic():
            JobChunk.objects.create(job_id=job_id, index=index, result=result)
    except IntegrityError:
        return  # a redelivered copy finished first
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != Job.Status.RUNNING or job.chunks.count() < job.chunks_total:
            return
        results = list(job.chunks.order_by("index").values_list("index", "result"))
        failed = [f"chunk {i}: {r['error']}" for i, r in results if "error" in r]
        if failed:
            _finish(job, status=Job.Status.FAILED, error="\n".join(failed))
            return
        totals = {}
        for _index, chunk_result in results:
            for key, value in chunk_result.items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
        _finish(job, status=Job.Status.DONE, result={"chunks": job.chunks_total, **totals})


def chunked(ids, size=CHUNK_SIZE):
    ids = list(ids)
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _start(job_id):
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status == Job.Status.DONE:
            return None
        job.status = Job.Status.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.error = ""
        job.save(update_fields=["status", "started_at", "error"])
        return job


def _finish(job, *, status, result=None, error=""):
    Job.objects.filter(pk=job.pk).update(
        status=status, finished_at=timezone.now(), result=result or {}, error=error[:4000]
    )
