"""Webhooks: subscriptions, publishing events, and signed delivery with retries.

Each delivery POSTs the event's fixed body with these headers:

    X-Stagegate-Event: approval.approved
    X-Stagegate-Delivery: <uuid, the same on every retry>
    X-Stagegate-Timestamp: <unix seconds of this attempt>
    X-Stagegate-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the endpoint's secret>

A failed attempt (no 2xx within ``WEBHOOK_TIMEOUT_SECONDS``, 10 by default) is retried with growing
delays (``WEBHOOK_RETRY_DELAYS``);
a beat task sends what is due, so nothing depends on far-future ETAs in Redis. An endpoint whose
deliveries keep failing is disabled, with an audit event its owners see.
"""

import datetime
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.access import Action, require
from accounts.deferred import enqueue_on_commit
from accounts.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType

#: After this many failed deliveries in a row an endpoint is disabled.
DISABLE_AFTER_FAILED_DELIVERIES = 3


def timeout_seconds() -> float:
    return getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10)


def retry_delays() -> list[float]:
    """Seconds to wait after attempt 1, 2, …; the number of attempts is one more than its length."""
    return list(getattr(settings, "WEBHOOK_RETRY_DELAYS", [60, 300, 1800, 7200, 21600]))


# --- Subscriptions ----------------------------------------------------------------------------


@transaction.atomic
def endpoint_save(*, tenant, actor, endpoint: WebhookEndpoint | None = None, **fields) -> WebhookEndpoint:
    """Create or change a subscription (customer admins). A new endpoint gets a fresh secret."""
    from accounts.audit import audit_record

    require(actor, tenant, Action.MANAGE)
    unknown = set(fields) - {"url", "description", "event_types", "is_active"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of a webhook."))
    creating = endpoint is None
    endpoint = endpoint or WebhookEndpoint(tenant=tenant, secret=secrets.token_hex(32))
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
    from accounts.audit import audit_record

    require(actor, endpoint.tenant, Action.MANAGE)
    audit_record(action="webhook.deleted", obj=endpoint, actor=actor, before={"url": endpoint.url})
    endpoint.delete()


def check_target(url: str) -> None:
    """Refuse targets on private, loopback, link-local or reserved addresses (by what the name resolves to)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": "Give an http(s) URL."}, code="invalid_url")
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror:
        raise ValidationError({"url": "This host name does not resolve."}, code="unresolvable") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                {"url": f"{parts.hostname} resolves to {address}, a private or reserved address."},
                code="private_target",
            )


# --- Publishing -------------------------------------------------------------------------------


def publish(*, tenant_id: int | None, event_type: str, data: dict) -> None:
    """Record an event for the tenant's subscribed endpoints; deliveries start once the transaction commits."""
    if tenant_id is not None:
        publish_many([(tenant_id, event_type, data)])


def publish_many(events: list[tuple[int, str, dict]]) -> int:
    """Set-based ``publish``: one query for the endpoints of every tenant involved, bulk inserts after."""
    tenants = {tenant_id for tenant_id, _, _ in events if tenant_id is not None}
    endpoints = {}
    for endpoint in WebhookEndpoint.objects.filter(tenant_id__in=tenants, is_active=True):
        endpoints.setdefault(endpoint.tenant_id, []).append(endpoint)
    if not endpoints:
        return 0
    now = timezone.now()
    rows, targets = [], []
    for tenant_id, event_type, data in events:
        wanted = [endpoint for endpoint in endpoints.get(tenant_id, []) if endpoint.wants(event_type)]
        if not wanted:
            continue
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
    from accounts.tasks import deliver_webhook

    for delivery in deliveries:
        enqueue_on_commit(deliver_webhook, delivery.pk, kind="webhook deliveries")
    return len(deliveries)


# --- Delivery ---------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def attempt(delivery_id: int) -> WebhookDelivery | None:
    """Send one attempt of a pending delivery that is due, and record it. Safe to call twice."""
    from accounts.audit import audit_record

    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > timezone.now()):
            return delivery
        # Claim it: a concurrent sweep will not pick it up again while this attempt runs.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=timeout_seconds() * 3)
        )
    endpoint, body = delivery.endpoint, delivery.event.body.encode()
    record = {"at": timezone.now().isoformat(), "status_code": None, "duration_ms": None, "error": ""}
    started = time.monotonic()
    try:
        check_target(endpoint.url)
        request = urllib.request.Request(
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Stagegate-Webhooks/1",
                "X-Stagegate-Event": delivery.event.event_type,
                "X-Stagegate-Delivery": str(delivery.uid),
                "X-Stagegate-Timestamp": str(int(time.time())),
                "X-Stagegate-Signature": sign(endpoint.secret, body),
            },
        )
        with urllib.request.urlopen(request, timeout=timeout_seconds()) as response:
            record["status_code"] = response.status
    except urllib.error.HTTPError as error:
        record["status_code"] = error.code
    except ValidationError as error:
        record["error"] = "; ".join(error.messages)
    except Exception as error:  # timeouts, refused connections, TLS errors: the receiver's problem
        record["error"] = f"{type(error).__name__}: {error}"[:300]
    record["duration_ms"] = round((time.monotonic() - started) * 1000)
    succeeded = record["status_code"] is not None and 200 <= record["status_code"] < 300

    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        delivery.attempts = [*delivery.attempts, record]
        endpoint = delivery.endpoint
        delays = retry_delays()
        tries = _tries_since_redelivery(delivery.attempts)
        if succeeded:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.DELIVERED, None
            endpoint.consecutive_failures = 0
        elif tries > len(delays):
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
            endpoint.consecutive_failures += 1
            if endpoint.is_active and endpoint.consecutive_failures >= DISABLE_AFTER_FAILED_DELIVERIES:
                endpoint.is_active = False
                endpoint.disabled_reason = f"{endpoint.consecutive_failures} deliveries in a row failed"
                audit_record(
                    action="webhook.disabled",
                    obj=endpoint,
                    after={"url": endpoint.url, "reason": endpoint.disabled_reason},
                )
        else:
            delay = delays[tries - 1]
            delivery.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
        delivery.save(update_fields=["attempts", "status", "next_attempt_at"])
        endpoint.save(update_fields=["consecutive_failures", "is_active", "disabled_reason"])
    return delivery


def due_deliveries(*, now=None, limit=500) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send a delivery again by hand (same delivery id, same body)."""
    from accounts.audit import audit_record
    from accounts.tasks import deliver_webhook

    require(actor, delivery.endpoint.tenant, Action.MANAGE)
    delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.PENDING, timezone.now()
    delivery.attempts = [*delivery.attempts, {"at": timezone.now().isoformat(), "redelivery_by": actor.get_username()}]
    delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    audit_record(action="webhook.redelivered", obj=delivery, actor=actor, after={"delivery": str(delivery.uid)})
    enqueue_on_commit(deliver_webhook, delivery.pk, kind="webhook deliveries")
    return delivery


def _tries_since_redelivery(attempts: list[dict]) -> int:
    tries = 0
    for entry in attempts:
        tries = 0 if "redelivery_by" in entry else tries + 1
    return tries
