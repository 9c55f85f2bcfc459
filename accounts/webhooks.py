"""Webhooks: subscriptions, publishing events, and signed delivery with retries.

Each delivery POSTs the event's fixed body with these headers:

    X-Stagegate-Event: approval.approved
    X-Stagegate-Delivery: <uuid, the same on every retry>
    X-Stagegate-Timestamp: <unix seconds of this attempt>
    X-Stagegate-Signature-256: t=<timestamp>,d=<delivery uuid>,v1=<hex HMAC-SHA256 of "<t>.<d>.<raw body>">
    X-Stagegate-Signature: sha256=<hex HMAC-SHA256 of the raw body>  (GitHub style, for compatible receivers)

Both are keyed with the endpoint's secret. The first covers the time and the delivery id, so a
receiver that refuses old timestamps and seen delivery ids cannot be fed a captured delivery again.
While a rotated secret's grace period lasts, ``X-Stagegate-Signature-256`` carries one ``v1=`` per
secret (the new one first); the GitHub-style header is signed with the current secret only.

Sending is done to the address that was checked: the URL's name is resolved once per attempt,
every address must be public (unless ``WEBHOOKS_ALLOW_PRIVATE_TARGETS``), and the connection goes to
that address with the name in the Host header and TLS server name. Redirects are not followed: a 3xx
is a failed attempt recording its Location.

A failed attempt (no 2xx within ``WEBHOOK_TIMEOUT_SECONDS``, 10 by default) is retried with growing
delays (``WEBHOOK_RETRY_DELAYS``);
a beat task sends what is due, so nothing depends on far-future ETAs in Redis. An endpoint whose
deliveries keep failing is disabled, with an audit event its owners see. A delivery whose endpoint
was switched off before it was sent is not sent, and is marked so.
"""

import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.access import Action, require
from accounts.deferred import enqueue_on_commit
from accounts.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType

#: After this many failed deliveries in a row an endpoint is disabled.
DISABLE_AFTER_FAILED_DELIVERIES = 3
SKIPPED_REASON = "Not sent: the webhook was switched off before this delivery's turn."


def timeout_seconds() -> float:
    return getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10)


def retry_delays() -> list[float]:
    """Seconds to wait after attempt 1, 2, …; the number of attempts is one more than its length."""
    return list(getattr(settings, "WEBHOOK_RETRY_DELAYS", [60, 300, 1800, 7200, 21600]))


def secret_grace_period() -> datetime.timedelta:
    """How long a rotated secret keeps signing deliveries beside its replacement (24 hours by default)."""
    return datetime.timedelta(hours=getattr(settings, "WEBHOOK_SECRET_GRACE_HOURS", 24))


def _new_secret() -> str:
    return secrets.token_hex(32)


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
    from accounts.audit import audit_record

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
    from accounts.audit import audit_record

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


def previous_secrets_forget(*, now=None) -> int:
    """Erase replaced secrets whose grace period is over (the beat's sweep); they sign nothing any more."""
    return WebhookEndpoint.objects.filter(previous_secret_expires_at__lte=now or timezone.now()).update(
        previous_secret="", previous_secret_expires_at=None
    )


def dns_resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, by the system's resolver."""
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, by the callable named in ``WEBHOOK_RESOLVER`` (DNS by default).

    The one place webhook targets are resolved: the check and the connection use its answer, so
    tests can stand in for DNS here.
    """
    resolver = getattr(settings, "WEBHOOK_RESOLVER", "") or "accounts.webhooks.dns_resolve"
    return list(import_string(resolver)(host, port))


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL's parts and the checked addresses to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_target(url: str) -> Target:
    """Resolve the URL's host once and refuse it if any address is private, loopback, link-local,
    multicast or reserved (unless ``WEBHOOKS_ALLOW_PRIVATE_TARGETS``); the addresses checked are the
    ones to connect to."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in {"http", "https"} or not parts.hostname or port == -1:
        raise ValidationError({"url": "Give an http(s) URL."}, code="invalid_url")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = tuple(resolve(parts.hostname, port))
    except (OSError, UnicodeError):
        addresses = ()
    if not addresses:
        raise ValidationError({"url": "This host name does not resolve."}, code="unresolvable")
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False):
        for text in addresses:
            address = ipaddress.ip_address(text)
            if not address.is_global or address.is_multicast:
                raise ValidationError(
                    {"url": f"{parts.hostname} resolves to {address}, a private or reserved address."},
                    code="private_target",
                )
    path = parts.path or "/"
    return Target(parts.scheme, parts.hostname, port, f"{path}?{parts.query}" if parts.query else path, addresses)


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
    """The GitHub-style signature: HMAC-SHA256 of the raw body alone."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_v1(secret: str, *, timestamp: int, delivery_id: str, body: bytes) -> str:
    """HMAC-SHA256 of ``<timestamp>.<delivery id>.<raw body>``: the time and the delivery are signed too."""
    return hmac.new(secret.encode(), f"{timestamp}.{delivery_id}.".encode() + body, hashlib.sha256).hexdigest()


def signature_headers(*, signing_secrets: list[str], timestamp: int, delivery_id: str, body: bytes) -> dict:
    signatures = ",".join(
        f"v1={sign_v1(secret, timestamp=timestamp, delivery_id=delivery_id, body=body)}" for secret in signing_secrets
    )
    return {
        "X-Stagegate-Timestamp": str(timestamp),
        "X-Stagegate-Signature-256": f"t={timestamp},d={delivery_id},{signatures}",
        "X-Stagegate-Signature": sign(signing_secrets[0], body),
    }


def _connect(target: Target, timeout: float) -> socket.socket:
    """A connection to the first checked address that answers (never to a fresh resolution of the name)."""
    error = None
    for address in target.addresses:
        try:
            return socket.create_connection((address, target.port), timeout)
        except OSError as refused:
            error = refused
    raise error


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the checked address; the Host header still names the URL's host."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self):
        self.sock = _connect(self.target, self.timeout)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate is verified against, and SNI sent for, the URL's host."""

    def __init__(self, target: Target, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.target = target

    def connect(self):
        self.sock = self.tls.wrap_socket(_connect(self.target, self.timeout), server_hostname=self.target.host)


def _post(target: Target, body: bytes, headers: dict) -> http.client.HTTPResponse:
    """POST once; redirects are answers like any other (http.client follows none)."""
    connection_class = _CheckedHTTPSConnection if target.scheme == "https" else _CheckedHTTPConnection
    connection = connection_class(target, timeout_seconds())
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # the answer's body is not kept; read a little so the receiver is not cut off
        return response
    finally:
        connection.close()


def attempt(delivery_id: int, *, now=None) -> WebhookDelivery | None:
    """Send one attempt of a pending delivery that is due, and record it. Safe to call twice.

    A delivery whose endpoint has been switched off since it was queued is not sent: it is marked
    skipped. ``now`` is the clock (the current time unless given).
    """
    from accounts.audit import audit_record

    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now):
            return delivery
        if not delivery.endpoint.is_active:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.SKIPPED, None
            delivery.attempts = [*delivery.attempts, {"at": now.isoformat(), "skipped": SKIPPED_REASON}]
            delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
            return delivery
        # Claim it: a concurrent sweep will not pick it up again while this attempt runs.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=now + datetime.timedelta(seconds=timeout_seconds() * 3)
        )
    endpoint, body = delivery.endpoint, delivery.event.body.encode()
    record = {"at": now.isoformat(), "status_code": None, "duration_ms": None, "error": ""}
    started = time.monotonic()
    try:
        target = check_target(endpoint.url)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Stagegate-Webhooks/1",
            "X-Stagegate-Event": delivery.event.event_type,
            "X-Stagegate-Delivery": str(delivery.uid),
            **signature_headers(
                signing_secrets=endpoint.signing_secrets(now=now),
                timestamp=int(now.timestamp()),
                delivery_id=str(delivery.uid),
                body=body,
            ),
        }
        response = _post(target, body, headers)
        record["status_code"] = response.status
        if 300 <= response.status < 400:
            location = (response.getheader("Location") or "")[:500]
            record["location"] = location
            record["error"] = f"Redirect to {location or '(no Location)'} not followed: give the final URL."
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
        # Deliveries of switched-off endpoints are included: attempt() marks them skipped.
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send a delivery again by hand (same delivery id, same body); not while its webhook is switched off."""
    from accounts.audit import audit_record
    from accounts.tasks import deliver_webhook

    require(actor, delivery.endpoint.tenant, Action.MANAGE)
    if not delivery.endpoint.is_active:
        raise ValidationError("This webhook is switched off: switch it on before delivering again.", code="inactive")
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
