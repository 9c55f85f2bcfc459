"""Background work of notifications. Tasks take ids (or nothing) and are safe to run twice."""

from celery import shared_task

from core.deferred import enqueue
from notifications import delivery, reminders


@shared_task(name="notifications.send_emails")
def send_emails(notification_ids: list[int]) -> int:
    """Email these notifications, each at most once (``delivery.email_send`` claims before sending)."""
    return sum(delivery.email_send(notification_id) for notification_id in notification_ids)


@shared_task(name="notifications.send_unsent_emails")
def send_unsent_emails() -> int:
    """Beat: the emails that could not be queued or sent when their notification was made."""
    return send_emails(delivery.unsent_emails())


@shared_task(name="notifications.send_reminders")
def send_reminders() -> int:
    """Beat: reminders before approval requests and evidence expire, each once per person."""
    to_email = reminders.approval_reminders() + reminders.evidence_reminders()
    if to_email:
        enqueue(send_emails, to_email, kind="notification emails")
    return len(to_email)
