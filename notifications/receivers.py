"""Notifications listen to the audit log: an audited action that concerns someone tells them."""

from django.dispatch import receiver

from audit.models import AuditEvent
from audit.signals import event_recorded
from core.deferred import enqueue_on_commit
from notifications.events import HANDLERS
from notifications.tasks import send_emails


@receiver(event_recorded, sender=AuditEvent, dispatch_uid="notifications_from_audited")
def notify_audited(sender, event: AuditEvent, **kwargs) -> None:
    """In the transaction that recorded the event: the notifications, and their emails once it commits."""
    handler = HANDLERS.get(event.action)
    if handler is None:
        return
    to_email = handler(event)
    if to_email:
        enqueue_on_commit(send_emails, to_email, kind="notification emails")
