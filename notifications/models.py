"""What a person is told, and which of it they want by email."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from audit.models import AuditEvent
from core.changes import ChangeStamped
from projects.models import Project
from tenancy.models import TenantOwned, TenantOwnedQuerySet


class Kind(models.TextChoices):
    """What a notification is about; each person chooses per kind whether it also comes by email."""

    APPROVAL_WAITING = "approval_waiting", "A promotion waiting for your approval"
    APPROVAL_REMINDER = "approval_reminder", "A reminder before a request you may approve expires"
    APPROVAL_OUTCOME = "approval_outcome", "The outcome of a promotion you asked for or lead"
    APPROVAL_REJECTED = "approval_rejected", "A rejection of a promotion you asked for or lead, with its comment"
    EVIDENCE_WAITING = "evidence_waiting", "Evidence waiting for the client's acceptance"
    EVIDENCE_EXPIRING = "evidence_expiring", "Evidence about to expire"
    WEBHOOK_DISABLED = "webhook_disabled", "A webhook switched off after failed deliveries"


class NotificationQuerySet(TenantOwnedQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(TenantOwned, ChangeStamped):
    """One thing one person is told, once: ``(tenant, recipient, dedupe_key)`` is unique, and the key
    names the event (``approval.requested:<request id>``), so however often an event is handled or a
    reminder sweep runs, a person gets one notification and at most one email for it.

    ``emailed_at`` is set when the email is claimed for sending (``services.email_send``), and
    ``email_skipped`` says why none will be (no address, inactive, turned off).
    """

    Kind = Kind

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    subject = models.CharField(max_length=200, help_text="A short line: the email's subject.")
    sentence = models.TextField(help_text="What happened, in a sentence with names and labelled times.")
    detail = models.TextField(blank=True, help_text="A quoted comment or note, if there is one.")
    link = models.CharField(max_length=500, help_text="The path of the page it is about.")
    # A plain reference, like the log's own: nothing here can block or cascade into the append-only log.
    audit_event = models.ForeignKey(
        AuditEvent, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_skipped = models.CharField(max_length=40, blank=True)

    objects = NotificationQuerySet.as_manager()

    # The email's claim and why none was sent are the sender's bookkeeping, not part of the
    # notification as listed: writing them does not list it again in the changes feed.
    unlisted_changes = frozenset({"emailed_at", "email_skipped"})

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "recipient", "dedupe_key"], name="one_notification_per_person_and_event"
            )
        ]
        indexes = [
            # The bell's count and the unread filter; a person's notifications span their clients.
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_time"),
            # The changes feed of a person's notifications.
            models.Index(fields=["recipient", "updated_at"], name="notification_recipient_updated"),
            # The sweep for emails whose sending failed.
            models.Index(fields=["emailed_at", "created_at"], name="notification_unsent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient_id}"


class EmailPreference(models.Model):
    """One person's choice for one kind. No row: email on (the default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_email_preference_per_kind")]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {'email' if self.email else 'no email'}"
