"""Webhook subscriptions (customer admins) and the events published to them.

A published event's body is fixed once, so every retry sends the same bytes; its deliveries are
queued once the transaction that published it commits.
"""

import datetime
import json
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.deferred import enqueue_on_commit
from core.lookups import any_of
from tenancy.access import Action, require
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType
from webhooks.targets import check_target
from webhooks.tasks import deliver_webhook


def secret_grace_period() -> datetime.timedelta:
    """How long a rotated secret keeps signing deliveries beside its replacement (24 hours by default)."""
    return datetime.timedelta(hours=getattr(settings, "WEBHOOK_SECRET_GRACE_HOURS", 24))


def _new_secret() -> str:
    return secrets.token_hex(32)


@transaction.atomic
def endpoint_save(*, tenant, actor, endpoint: WebhookEndpoint | None = None, **fields) -> WebhookEndpoint:
    """Create or change a subscription (customer admins). A new endpoint gets a fresh secret."""
    require(actor, tenant, Action.MANAGE)
    unknown = set(fields) - {"url", "description", "event_types", "is_active"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of a webhook."))
    creating = endpoint is None
    endpoint = endpoint or WebhookEndpoint(tenant=tenant, secret=_new_secret())
    for name, value in fields.items():
        setattr(endpoint, name, value)
    event_types = endpoint.event_types
    if not isinstance(event_types, list) or set(event_types) - set(WebhookEventType.values):
        raise ValidationError({"event_types": f"Choose from: {', '.join(WebhookEventType.values)}."})
    endpoint.full_clean()
    check_target(endpoint.url)
    if endpoint.is_active:
        endpoint.consecutive_failures, endpoint.disabled_reason = 0, ""
    endpoint.save()
    audit_record(
        action="webhook.created" if creating else "webhook.updated",
        obj=endpoint,
        actor=actor,
        after={"url": endpoint.url, "event_types": endpoint.event_types, "is_active": endpoint.is_active},
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor) -> None:
    require(actor, endpoint.tenant, Action.MANAGE)
    audit_record(action="webhook.deleted", obj=endpoint, actor=actor, before={"url": endpoint.url})
    endpoint.delete()


@transaction.atomic
def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, actor, now=None) -> WebhookEndpoint:
    """Give the webhook a new signing secret (customer admins); the answer is the only place it is shown.

    The replaced secret keeps signing deliveries, beside the new one, for ``secret_grace_period()``,
    so the receiver can switch at its own pace without refusing a delivery; then it stops being used
    and is forgotten. Only the latest replaced secret is kept: rotating again within the grace
    period ends the earlier one's at once.
    """
    require(actor, endpoint.tenant, Action.MANAGE)
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("tenant").get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + secret_grace_period()
    endpoint.secret = _new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    audit_record(
        action="webhook.secret_rotated",
        obj=endpoint,
        actor=actor,
        after={"previous_secret_valid_until": endpoint.previous_secret_expires_at.isoformat()},
    )
    return endpoint


#: Answers the ticket keys of a set of projects in one query, keyed by the tenant and the project
#: (so a key can only reach its own client's events): ``{(tenant id, project id): [{"system", "key", "url"}]}``.
#: The projects room registers it (``ProjectsConfig.ready``): webhooks sit below projects and may not
#: import them. Unregistered, events carry an empty list.
TicketProvider = Callable[[Iterable[int]], dict[tuple[int, int], list[dict]]]
_ticket_provider: TicketProvider | None = None


def ticket_provider_register(provider: TicketProvider | None) -> None:
    """Name the function that gives events their project's ticket keys (``None`` forgets it)."""
    global _ticket_provider
    _ticket_provider = provider


def _tickets_by_project(project_ids: set[int]) -> dict[tuple[int, int], list[dict]]:
    if not project_ids or _ticket_provider is None:
        return {}
    return _ticket_provider(project_ids)


def publish(*, tenant_id: int | None, event_type: str, data: dict) -> None:
    """Record an event for the tenant's subscribed endpoints; deliveries start once the transaction commits."""
    if tenant_id is not None:
        publish_many([(tenant_id, event_type, data)])


def publish_many(events: list[tuple[int, str, dict]]) -> int:
    """Set-based ``publish``: one query for the endpoints of every tenant involved, one for the ticket
    keys of every project the sent events concern, bulk inserts after.

    Every event type must be one of ``WebhookEventType`` (the catalogue, each with its JSON Schema in
    ``webhooks/schemas/``): an unknown one is a programming error, refused before anything is stored.
    Each event's ``data`` gains ``tickets``: its project's ticket keys (``data["project_id"]``; an
    empty list when it concerns no project or the project has none), so a receiver can route it
    without asking the API.
    """
    unknown = {event_type for _, event_type, _ in events} - set(WebhookEventType.values)
    if unknown:
        raise ValueError(f"Not a webhook event type: {', '.join(sorted(unknown))} (add it to WebhookEventType).")
    tenants = {tenant_id for tenant_id, _, _ in events if tenant_id is not None}
    endpoints = {}
    for endpoint in WebhookEndpoint.objects.filter(any_of("tenant_id", tenants), is_active=True):
        endpoints.setdefault(endpoint.tenant_id, []).append(endpoint)
    if not endpoints:
        return 0
    now = timezone.now()
    sent = []
    for tenant_id, event_type, data in events:
        wanted = [endpoint for endpoint in endpoints.get(tenant_id, []) if endpoint.wants(event_type)]
        if wanted:
            sent.append((tenant_id, event_type, data, wanted))
    tickets = _tickets_by_project({data["project_id"] for _, _, data, _ in sent if data.get("project_id")})
    rows, targets = [], []
    for tenant_id, event_type, data, wanted in sent:
        data = {**data, "tickets": tickets.get((tenant_id, data.get("project_id")), [])}
        event = WebhookEvent(tenant_id=tenant_id, event_type=event_type)
        event.body = json.dumps(
            {"id": str(event.uid), "type": event_type, "time": now.isoformat(), "tenant": tenant_id, "data": data},
            cls=DjangoJSONEncoder,
            sort_keys=True,
        )
        rows.append(event)
        targets.append(wanted)
    WebhookEvent.objects.bulk_create(rows)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(tenant_id=event.tenant_id, endpoint=endpoint, event=event, next_attempt_at=now)
        for event, wanted in zip(rows, targets, strict=True)
        for endpoint in wanted
    )
    for delivery in deliveries:
        enqueue_on_commit(deliver_webhook, delivery.pk, kind="webhook deliveries")
    return len(deliveries)


@transaction.atomic
def redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send a delivery again by hand (same delivery id, same body); not while its webhook is switched off."""
    require(actor, delivery.endpoint.tenant, Action.MANAGE)
    if not delivery.endpoint.is_active:
        raise ValidationError("This webhook is switched off: switch it on before delivering again.", code="inactive")
    delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.PENDING, timezone.now()
    delivery.attempts = [*delivery.attempts, {"at": timezone.now().isoformat(), "redelivery_by": actor.get_username()}]
    delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    audit_record(action="webhook.redelivered", obj=delivery, actor=actor, after={"delivery": str(delivery.uid)})
    enqueue_on_commit(deliver_webhook, delivery.pk, kind="webhook deliveries")
    return delivery
