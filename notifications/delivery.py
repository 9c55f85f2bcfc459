"""Sending a notification's email: at most once, whoever runs it and however often.

A sender first claims the notification (one conditional UPDATE: ``emailed_at`` from empty to now)
and sends only if its claim won, so two workers, a task run twice or the sweep beside the task
send one email. If the mail server refuses, the claim is given back and the sweep tries again.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import EmailPreference, Notification

logger = logging.getLogger(__name__)

#: Why a notification is not emailed (kept in ``Notification.email_skipped``).
SKIP_INACTIVE = "inactive"
SKIP_NO_ADDRESS = "no address"
SKIP_TURNED_OFF = "turned off"

#: The sweep retries emails whose sending failed, for this long after the notification.
RETRY_FOR = datetime.timedelta(hours=24)
#: ... leaving the newest to the task queued for them.
SWEEP_AFTER = datetime.timedelta(minutes=5)


def email_send(notification_id: int) -> bool:
    """Email one notification to its recipient unless it was emailed or skipped already; True if sent."""
    unsent = Notification.objects.filter(pk=notification_id, emailed_at=None, email_skipped="")
    notification = unsent.select_related("recipient", "tenant").first()
    if notification is None:
        return False
    skipped = skip_reason(notification)
    if skipped:
        unsent.update(email_skipped=skipped)
        return False
    claimed_at = timezone.now()
    if not unsent.update(emailed_at=claimed_at):
        return False  # someone else claimed it between our read and our claim
    try:
        message(notification).send()
    except Exception:  # a refused connection, an SMTP error: give the claim back for the sweep
        Notification.objects.filter(pk=notification_id, emailed_at=claimed_at).update(emailed_at=None)
        logger.warning("Emailing notification %s failed; the sweep will try again", notification_id, exc_info=True)
        return False
    return True


def unsent_emails(*, now=None, limit: int = 500) -> list[int]:
    """Notifications whose email is neither sent nor skipped: queued more than a few minutes ago and
    not yet sent (the queue was down, the mail server refused), within a day of being created."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(
            emailed_at=None, email_skipped="", created_at__gte=now - RETRY_FOR, created_at__lte=now - SWEEP_AFTER
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def skip_reason(notification: Notification) -> str:
    recipient = notification.recipient
    if not recipient.is_active:
        return SKIP_INACTIVE
    if not recipient.email:
        return SKIP_NO_ADDRESS
    if EmailPreference.objects.filter(user=recipient, kind=notification.kind, email=False).exists():
        return SKIP_TURNED_OFF
    return ""


def message(notification: Notification) -> EmailMultiAlternatives:
    """The email: a plain-text body, an HTML alternative, and the full address of the page."""
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "url": absolute(notification.link),
        "settings_url": absolute(reverse("personal-settings")),
        "kind": notification.get_kind_display(),
    }
    email = EmailMultiAlternatives(
        subject=f"[Stagegate] {notification.subject}",
        body=render_to_string("notifications/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        # RFC 3834: an automatic message, so auto-responders do not answer it.
        headers={"Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(render_to_string("notifications/email/notification.html", context), "text/html")
    return email


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
