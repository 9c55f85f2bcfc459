"""Recording audit events, with the source and request id of whatever is running.

Web requests, API calls and Celery tasks set the context (``audit_context``); services call
``audit_record`` inside the transaction that makes the change, so a change and its event are
committed together or not at all.
"""

import contextlib
import decimal
import json
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict

from accounts.models import AuditEvent

REQUEST_ID_HEADER = "X-Request-ID"


@dataclass(frozen=True)
class AuditContext:
    source: str
    request_id: str


# AuditContext is frozen, so sharing the default is safe.
_current = ContextVar("audit_context", default=AuditContext(source=AuditEvent.Source.SYSTEM, request_id=""))  # noqa: B039


@contextlib.contextmanager
def audit_context(*, source: str, request_id: str = ""):
    token = _current.set(AuditContext(source=source, request_id=request_id))
    try:
        yield
    finally:
        _current.reset(token)


def current_request_id() -> str:
    return _current.get().request_id


#: Audit actions that are also webhook events, and the event type they are sent as.
WEBHOOK_EVENTS = {
    "project.created": "project.created",
    "project.updated": "project.updated",
    "project.profile_updated": "project.updated",
    "project.deployment_model_changed": "project.updated",
    "project.stage_changed": "project.stage_changed",
    "approval.requested": "approval.requested",
    "approval.approved": "approval.approved",
    "approval.rejected": "approval.rejected",
    "approval.expired": "approval.expired",
    "approval.cancelled": "approval.cancelled",
}


def audit_record(*, action: str, obj, actor=None, before=None, after=None, tenant_id=None, project_id=None):
    """Append one event for ``action`` on ``obj``; tenant and project are taken from ``obj`` when it has them."""
    context = _current.get()
    if tenant_id is None:
        tenant_id = obj.pk if obj._meta.label_lower == "accounts.tenant" else getattr(obj, "tenant_id", None)
    if project_id is None:
        project_id = obj.pk if obj._meta.label_lower == "projects.project" else getattr(obj, "project_id", None)
    event = AuditEvent.objects.create(
        tenant_id=tenant_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else "system"),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        project_id=project_id,
        before=_jsonable(before),
        after=_jsonable(after),
        source=context.source,
        request_id=context.request_id,
    )
    if action in WEBHOOK_EVENTS:
        from accounts.webhooks import publish

        publish(
            tenant_id=tenant_id,
            event_type=WEBHOOK_EVENTS[action],
            data={
                "object_type": event.object_type,
                "object_id": event.object_id,
                "project_id": project_id,
                "action": action,
                "actor": event.actor_name,
                "before": event.before,
                "after": event.after,
            },
        )
    return event


def snapshot(obj, fields=None) -> dict:
    """The listed fields of ``obj`` (all concrete ones by default) as JSON-ready data."""
    data = model_to_dict(obj, fields=fields)
    return _jsonable(data)


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value differs, from each side (1.5 and 1.50 are the same number)."""
    changed = [key for key in after if not _same(before.get(key), after.get(key))]
    return {key: before.get(key) for key in changed}, {key: after[key] for key in changed}


def _same(a, b) -> bool:
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        try:
            return decimal.Decimal(a) == decimal.Decimal(b)
        except decimal.InvalidOperation:
            return False
    return False


def _jsonable(value):
    if value is None:
        return None

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class AuditContextMiddleware:
    """Marks everything a request does with its source and a request id (echoed in the response)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get(REQUEST_ID_HEADER, "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        if request.path.startswith("/api/"):
            source = AuditEvent.Source.API
        elif request.path.startswith("/admin/"):
            source = AuditEvent.Source.ADMIN
        else:
            source = AuditEvent.Source.WEB
        with audit_context(source=source, request_id=request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
