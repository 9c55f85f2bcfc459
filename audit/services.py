"""Recording audit events, with the source and request id of whatever is running (``audit.context``).

Services call ``audit_record`` inside the transaction that makes the change, so a change and its
event are committed together or not at all. Each event is announced (``audit.signals.event_recorded``)
in that same transaction, so what a listener writes (webhook events) commits or rolls back with it.
"""

import decimal
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict

from audit import context
from audit.models import AuditEvent
from audit.signals import event_recorded


def audit_record(*, action: str, obj, actor=None, before=None, after=None, tenant_id=None, project_id=None):
    """Append one event for ``action`` on ``obj``; tenant and project are taken from ``obj`` when it has them."""
    current = context.current()
    object_type = object_type_of(obj)
    if tenant_id is None:
        tenant_id = obj.pk if object_type == "accounts.tenant" else getattr(obj, "tenant_id", None)
    if project_id is None:
        project_id = _project_id_of(obj)
    event = AuditEvent.objects.create(
        tenant_id=tenant_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else "system"),
        action=action,
        object_type=object_type,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        project_id=project_id,
        before=_jsonable(before),
        after=_jsonable(after),
        source=current.source,
        request_id=current.request_id,
    )
    event_recorded.send(sender=AuditEvent, event=event)
    return event


def _project_id_of(obj):
    """The project ``obj`` belongs to, following ``access_via`` (a decision → its request → the
    project) so that every event about a project shows on its page."""
    while obj is not None:
        if obj._meta.label_lower == "projects.project":
            return obj.pk
        if hasattr(obj, "project_id"):
            return obj.project_id
        via = getattr(obj, "access_via", None)
        obj = getattr(obj, via, None) if via else None
    return None


def object_type_of(obj) -> str:
    """The name the log gives ``obj``'s kind: ``app_label.model``, or the name a model that changed
    app declares as ``audit_object_type``, so its events read the same before and after the move
    (filters, exports and integrations match on it)."""
    return getattr(obj, "audit_object_type", None) or obj._meta.label_lower


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
