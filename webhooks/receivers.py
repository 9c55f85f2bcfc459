"""Webhooks listen to the audit log: an audited action that is also a webhook event is published."""

from django.dispatch import receiver

from audit.models import AuditEvent
from audit.signals import event_recorded
from webhooks.services import publish

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
    "gate.evidence_recorded": "gate.evidence_recorded",
    "gate.evidence_accepted": "gate.evidence_accepted",
    "gate.evidence_withdrawn": "gate.evidence_withdrawn",
    "environment.signed_off": "environment.signed_off",
    "evidence.added": "evidence_link.added",
    "evidence.removed": "evidence_link.removed",
}


@receiver(event_recorded, sender=AuditEvent, dispatch_uid="webhooks_publish_audited")
def publish_audited(sender, event: AuditEvent, **kwargs) -> None:
    """An audited action that is also a webhook event is published in the transaction that recorded it."""
    if event.action not in WEBHOOK_EVENTS:
        return
    publish(
        tenant_id=event.tenant_id,
        event_type=WEBHOOK_EVENTS[event.action],
        data={
            "object_type": event.object_type,
            "object_id": event.object_id,
            "project_id": event.project_id,
            "action": event.action,
            "actor": event.actor_name,
            "before": event.before,
            "after": event.after,
        },
    )
