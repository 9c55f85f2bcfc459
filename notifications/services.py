"""Writing notifications: creating them once per event and person, marking them read, and each
person's email choices.

``notify`` answers the ids whose email is still to send; the two callers queue them once their
transaction commits (``receivers``: on commit of the audited change; ``tasks.send_reminders``: after
its sweep), and ``delivery.email_send`` sends each at most once.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from notifications.models import EmailPreference, Kind, Notification


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    tenant_id: int,
    key: str,
    subject: str,
    sentence: str,
    link: str,
    project_id: int | None = None,
    detail: str = "",
    event=None,
) -> list[int]:
    """Tell each of ``recipients`` once about the event named by ``key``: a notification that exists
    already for a person (the event handled twice, a sweep run again) is left as it is. Returns the
    ids of the notifications whose email is still to send."""
    recipients = {user.pk: user for user in recipients}
    if not recipients:
        return []
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                tenant_id=tenant_id,
                recipient_id=user_id,
                kind=kind,
                project_id=project_id,
                subject=subject[:200],
                sentence=sentence,
                detail=detail,
                link=link,
                audit_event=event,
                dedupe_key=key,
                created_at=now,
            )
            for user_id in recipients
        ],
        # The unique (tenant, recipient, key) makes a second creation a no-op, even concurrently.
        ignore_conflicts=True,
    )
    return list(
        Notification.objects.filter(
            tenant_id=tenant_id, dedupe_key=key, recipient_id__in=recipients, emailed_at=None, email_skipped=""
        ).values_list("pk", flat=True)
    )


def notification_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of the person's own notifications read (again: nothing changes). Someone else's does not
    exist for them (404), as in ``tenancy.access``."""
    if notification.recipient_id != user.pk:
        raise Http404("No notification matches the given query.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=notification.read_at)
    return notification


def notifications_settled(*, tenant_id: int, keys: list[str]) -> int:
    """Mark read, for everyone, the notifications of these events: what they asked for is no longer
    possible (a request closed: nobody can decide it any more), so they stop counting in the bell."""
    return Notification.objects.filter(tenant_id=tenant_id, dedupe_key__in=keys, read_at=None).update(
        read_at=timezone.now()
    )


def notifications_read_all(*, user: User) -> int:
    """Mark every unread notification of the person read; how many were unread."""
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


def email_choices(*, user: User) -> dict[str, bool]:
    """Whether the person gets each kind by email (on unless they turned it off)."""
    chosen = dict(EmailPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, True) for kind in Kind.values}


@transaction.atomic
def email_choices_save(*, user: User, choices: dict[str, bool]) -> dict[str, bool]:
    """Set the person's email choice for the kinds given; the others keep theirs."""
    unknown = set(choices) - set(Kind.values)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), f"Not a kind of notification: choose from {Kind.values}."))
    for kind, email in choices.items():
        EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": bool(email)})
    return email_choices(user=user)
