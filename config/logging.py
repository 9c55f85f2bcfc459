"""Structured logs: every record carries the request id or the Celery task id it belongs to.

``LOG_FORMAT=json`` (production) writes one JSON object per line: ``time``, ``level``, ``logger``,
``message``, ``request_id``, ``task_id``, and for the one line each request leaves behind,
``method``, ``path``, ``status``, ``duration_ms`` and ``user_id``. The plain format (the embedded
default) stays what a person reads in a terminal.

The request id is the one ``audit.middleware.AuditContextMiddleware`` sets and echoes in the
``X-Request-ID`` response header, so a log line, an audit event and a client's bug report meet on
the same id. Nothing here reads headers, bodies or query strings: secrets (Authorization, tokens,
passwords) never reach a log record from this module.
"""

import datetime
import json
import logging
import time

from celery import current_task
from celery.signals import setup_logging
from django.utils.functional import SimpleLazyObject, empty

from audit.context import current_request_id

#: The logger of the one line per request.
REQUEST_LOGGER = "stagegate.request"

#: Attributes a request line adds to its record, in the order they are written.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id")

request_log = logging.getLogger(REQUEST_LOGGER)


def _request_id() -> str:
    return current_request_id()


def _task_id() -> str:
    task = current_task._get_current_object()
    if task is None:
        return ""
    return getattr(task.request, "id", None) or ""


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``task_id`` to every record (empty strings outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            # Django logs a 4xx/5xx response ("django.request") after the middleware has finished,
            # outside the request's context, but hands the request along with the record.
            record.request_id = getattr(getattr(record, "request", None), "request_id", "") or _request_id()
        if not getattr(record, "task_id", ""):
            record.task_id = _task_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line; times in UTC with milliseconds."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "task_id": getattr(record, "task_id", ""),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestLogMiddleware:
    """Logs one line per request once its response is ready: method, path, status, time taken, user.

    It sits inside ``AuditContextMiddleware``, so the line carries the request's id. The path is
    logged without its query string, and no header or body is read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        request_log.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )
        return response


def _user_id(request):
    """The signed-in user's id, without a query: a user nobody looked at is left unknown (None)."""
    user = vars(request).get("user")
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    if user is None or not user.is_authenticated:
        return None
    return user.pk


@setup_logging.connect
def keep_django_logging(**kwargs):
    """Celery workers and beat log through Django's ``LOGGING`` instead of replacing the root handlers.

    Celery leaves logging alone when this signal has a receiver; Django has configured it by then
    (the worker sets Django up before it sets up logging), so task records get the same format and
    the task id.
    """
