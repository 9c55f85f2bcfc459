"""Sending deliveries, with retries: one attempt at a time, the due ones swept by beat.

A failed attempt (no 2xx within ``WEBHOOK_TIMEOUT_SECONDS``, 10 by default) is retried with growing
delays (``WEBHOOK_RETRY_DELAYS``); a beat task sends what is due, so nothing depends on far-future
ETAs in Redis. An endpoint whose deliveries keep failing is disabled, with an audit event its owners
see. A delivery whose endpoint was switched off before it was sent is not sent, and is marked so.
"""

import datetime
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import signature_headers
from webhooks.targets import check_target, post_once, timeout_seconds

#: After this many failed deliveries in a row an endpoint is disabled.
DISABLE_AFTER_FAILED_DELIVERIES = 3


SKIPPED_REASON = "Not sent: the webhook was switched off before this delivery's turn."


def retry_delays() -> list[float]:
    """Seconds to wait after attempt 1, 2, …; the number of attempts is one more than its length."""
    return list(getattr(settings, "WEBHOOK_RETRY_DELAYS", [60, 300, 1800, 7200, 21600]))


def attempt(delivery_id: int, *, now=None) -> WebhookDelivery | None:
    """Send one attempt of a pending delivery that is due, and record it. Safe to call twice.

    A delivery whose endpoint has been switched off since it was queued is not sent: it is marked
    skipped. ``now`` is the clock (the current time unless given).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The delivery's row alone: locked rows are skipped (another attempt has it), and the
        # endpoint's or event's row locked by anything else (the webhook being saved) must not
        # make this delivery look taken.
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
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
        response = post_once(target, body, headers)
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


def previous_secrets_forget(*, now=None) -> int:
    """Erase replaced secrets whose grace period is over (the beat's sweep); they sign nothing any more."""
    return WebhookEndpoint.objects.filter(previous_secret_expires_at__lte=now or timezone.now()).update(
        previous_secret="", previous_secret_expires_at=None
    )


def _tries_since_redelivery(attempts: list[dict]) -> int:
    tries = 0
    for entry in attempts:
        tries = 0 if "redelivery_by" in entry else tries + 1
    return tries
