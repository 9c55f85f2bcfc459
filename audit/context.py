"""Where the work being done comes from (web, API, admin, task) and its request id.

Web requests, API calls and Celery tasks set the context (``audit_context``); every audit event
and every log line carries it. Nothing here touches the database, so logging may read the
request id before the apps are loaded.
"""

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models

REQUEST_ID_HEADER = "X-Request-ID"


class Source(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    TASK = "task", "Task"
    ADMIN = "admin", "Admin"
    SYSTEM = "system", "System"


@dataclass(frozen=True)
class AuditContext:
    source: str
    request_id: str


# AuditContext is frozen, so sharing the default is safe.
_current = ContextVar("audit_context", default=AuditContext(source=Source.SYSTEM, request_id=""))  # noqa: B039


@contextlib.contextmanager
def audit_context(*, source: str, request_id: str = ""):
    token = _current.set(AuditContext(source=source, request_id=request_id))
    try:
        yield
    finally:
        _current.reset(token)


def current_request_id() -> str:
    return _current.get().request_id


def current() -> AuditContext:
    return _current.get()
