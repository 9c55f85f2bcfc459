"""Reads for the webhook settings pages: a tenant's subscriptions and their delivery log."""

from dataclasses import dataclass

from django.db.models import QuerySet

from tenancy.models import Tenant
from webhooks.models import WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list(*, tenant: Tenant) -> QuerySet:
    return WebhookEndpoint.objects.filter(tenant=tenant).order_by("pk")


def webhook_endpoint_get(*, tenant: Tenant, pk: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(tenant=tenant, pk=pk).select_related("tenant").first()


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet:
    """An endpoint's delivery log, newest first."""
    return (
        WebhookDelivery.objects.filter(tenant_id=endpoint.tenant_id, endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-pk")
    )


def webhook_delivery_get(*, tenant: Tenant, pk: int) -> WebhookDelivery | None:
    return WebhookDelivery.objects.filter(tenant=tenant, pk=pk).select_related("endpoint__tenant").first()


@dataclass(frozen=True)
class DeliverySummary:
    """What the log shows of a delivery's attempts, read from its list of attempts."""

    tries: int
    last_status_code: int | None
    last_error: str
    last_attempt_at: str | None


def delivery_summary(delivery: WebhookDelivery) -> DeliverySummary:
    sent = [entry for entry in delivery.attempts if "redelivery_by" not in entry]
    last = sent[-1] if sent else {}
    return DeliverySummary(
        tries=len(sent),
        last_status_code=last.get("status_code"),
        last_error=last.get("error", ""),
        last_attempt_at=last.get("at"),
    )
