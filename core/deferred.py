"""Follow-up work a write asks for (webhook deliveries, re-evaluation), queued once it commits.

Queueing happens after COMMIT, so a broker that cannot be reached must not turn a write that
stands into an error: the failure is logged, the work is left to its sweep (pending webhook
deliveries are sent by the minute-by-minute beat task, assessments and estimates by the nightly
run), and the answer to the request says so in its ``Stagegate-Deferred`` header, which lists
what waits (docs/integration.md).
"""

import contextvars
import logging

from django.db import transaction

logger = logging.getLogger(__name__)

DEFERRED_HEADER = "Stagegate-Deferred"

_deferred: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("deferred_work", default=None)


def enqueue_on_commit(task, *args, kind: str, **options) -> None:
    """Queue ``task(*args)`` when the transaction commits (at once outside one); never raises."""
    transaction.on_commit(lambda: enqueue(task, *args, kind=kind, **options))


def enqueue(task, *args, kind: str, **options) -> bool:
    """Queue ``task(*args)`` now; if the queue refuses, log it, note ``kind`` as deferred and return False."""
    try:
        task.apply_async(args, **options)
    except Exception:  # kombu's OperationalError, a Redis error, a timeout: the write stands regardless
        logger.warning("Queueing %s (%s) failed; the sweep will catch up", task.name, kind, exc_info=True)
        work_deferred(kind)
        return False
    return True


def work_deferred(kind: str) -> None:
    """Note that follow-up work of ``kind`` could not start now and waits for its sweep."""
    deferred = _deferred.get()
    if deferred is not None and kind not in deferred:
        deferred.append(kind)


class QueueUnavailable(Exception):
    """Work that had to start now could not be queued: the broker did not answer.

    Raised by the code that enqueues (a job's task, for instance) and answered by the API's error
    handler with a 503, which therefore needs to know no domain app.
    """


class DeferredWorkMiddleware:
    """Adds ``Stagegate-Deferred: <kinds>`` to the answer of a request whose follow-up work waits."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _deferred.set([])
        try:
            response = self.get_response(request)
            deferred = _deferred.get()
        finally:
            _deferred.reset(token)
        if deferred:
            response[DEFERRED_HEADER] = ", ".join(deferred)
        return response
