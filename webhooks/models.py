"""Webhooks: a tenant's subscriptions, the events sent to them, and every delivery attempt."""

import uuid

from django.db import models

from core.changes import ChangeStamped
from tenancy.models import TenantOwned


class WebhookEventType(models.TextChoices):
    PROJECT_CREATED = "project.created", "Project created"
    PROJECT_UPDATED = "project.updated", "Project updated"
    PROJECT_STAGE_CHANGED = "project.stage_changed", "Project stage changed"
    APPROVAL_REQUESTED = "approval.requested", "Approval requested"
    APPROVAL_APPROVED = "approval.approved", "Approval approved"
    APPROVAL_REJECTED = "approval.rejected", "Approval rejected"
    APPROVAL_EXPIRED = "approval.expired", "Approval expired"
    APPROVAL_CANCELLED = "approval.cancelled", "Approval cancelled"
    ASSESSMENT_COMPLETED = "assessment.completed", "Assessment completed"
    COST_RECALCULATED = "cost.recalculated", "Cost recalculated"
    GATE_EVIDENCE_RECORDED = "gate.evidence_recorded", "Gate evidence recorded"
    GATE_EVIDENCE_ACCEPTED = "gate.evidence_accepted", "Gate evidence accepted"
    GATE_EVIDENCE_WITHDRAWN = "gate.evidence_withdrawn", "Gate evidence withdrawn"
    ACCESS_GRANTED = "access.granted", "Rights on a project given"
    ACCESS_REVOKED = "access.revoked", "Rights on a project taken back"
    ENVIRONMENT_SIGNED_OFF = "environment.signed_off", "Environment signed off by the client"
    EVIDENCE_LINK_ADDED = "evidence_link.added", "Evidence link added"
    EVIDENCE_LINK_REMOVED = "evidence_link.removed", "Evidence link removed"


class WebhookEndpoint(TenantOwned, ChangeStamped):
    #: Its events keep the object type they had when the model lived in accounts (``audit_record``).
    audit_object_type = "accounts.webhookendpoint"

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, blank=True, help_text="Empty: every event type.")
    secret = models.CharField(max_length=128, help_text="Signs every delivery with HMAC-SHA256.")
    # After a rotation the replaced secret still signs deliveries (beside the new one) until
    # ``previous_secret_expires_at``, so a receiver can switch over without losing any.
    previous_secret = models.CharField(max_length=128, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_webhookendpoint"  # the table it had in accounts: no rows moved
        ordering = ["tenant_id", "pk"]

    def __str__(self):
        return self.url

    @property
    def event_type_labels(self) -> list[str]:
        """The events it is sent, as the pages name them (the API and the deliveries keep the codes)."""
        labels = dict(WebhookEventType.choices)
        return [labels.get(event_type, event_type) for event_type in self.event_types]

    def wants(self, event_type: str) -> bool:
        return self.is_active and (not self.event_types or event_type in self.event_types)

    def signing_secrets(self, *, now) -> list[str]:
        """The secrets a delivery sent at ``now`` is signed with: the current one, then the one it
        replaced while that one's grace period lasts."""
        if self.previous_secret and self.previous_secret_expires_at and now < self.previous_secret_expires_at:
            return [self.secret, self.previous_secret]
        return [self.secret]


class WebhookEvent(TenantOwned):
    """Something that happened, as sent: the body is fixed once, so every retry sends the same bytes."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_webhookevent"  # the table it had in accounts: no rows moved
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.event_type} {self.uid}"


class WebhookDelivery(TenantOwned, ChangeStamped):
    """One event for one endpoint, with its attempts. Its id is stable across retries."""

    #: Its events keep the object type they had when the model lived in accounts (``audit_record``).
    audit_object_type = "accounts.webhookdelivery"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent: webhook switched off"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.JSONField(default=list, help_text="Every attempt: time, status code, duration, error.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_webhookdelivery"  # the table it had in accounts: no rows moved
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["tenant", "updated_at"], name="delivery_tenant_updated"),  # the feed
        ]

    def __str__(self):
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"
