"""The periodic notices: a reminder before an approval request expires, and before evidence does.

Run by beat (``tasks.send_reminders``); each is sent once per request (or per evidence and expiry
date) and person, however often the sweep runs: its key names it, and a round already sent is
skipped before any recipient is looked up.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments.models import GateEvidence
from assessments.services.gates import EVIDENCE_ITEMS
from core.moments import client_today
from notifications import recipients
from notifications.events import evidence_link, inbox_link
from notifications.models import Kind, Notification
from notifications.services import notify
from notifications.wording import local_date, local_time, person
from projects.models import ApprovalRequest, Stage


def approval_reminders(*, now: datetime.datetime | None = None) -> list[int]:
    """Remind the people who may still decide a pending request that it expires soon: once it has
    less than ``APPROVAL_REMINDER_HOURS`` left and is past half its life (so a short-lived request
    is not reminded of just after it was announced). Returns the ids to email."""
    now = now or timezone.now()
    window = datetime.timedelta(hours=settings.APPROVAL_REMINDER_HOURS)
    due = [
        request
        for request in ApprovalRequest.objects.filter(
            status=ApprovalRequest.Status.PENDING, expires_at__gt=now, expires_at__lte=now + window
        )
        .select_related("project__tenant", "requested_by")
        .order_by("expires_at", "pk")
        if now - request.created_at >= (request.expires_at - request.created_at) / 2
    ]
    sent = _sent({f"approval.reminder:{request.pk}" for request in due})
    to_email = []
    for request in due:
        key = f"approval.reminder:{request.pk}"
        if key in sent:
            continue
        project, tenant = request.project, request.project.tenant
        move = Stage(request.target_stage).label
        with transaction.atomic():
            to_email += notify(
                recipients=recipients.approvers_waited_for(request),
                kind=Kind.APPROVAL_REMINDER,
                tenant_id=tenant.pk,
                project_id=project.pk,
                key=key,
                subject=f"Reminder: {project.name} to {move} waits for your decision ({tenant.name})",
                sentence=(
                    f"{person(request.requested_by)}'s request to move {project.name} to {move} still waits for "
                    f"your decision: it expires on {local_time(request.expires_at, tenant.time_zone)}."
                ),
                link=inbox_link(request),
            )
    return to_email


def evidence_reminders(*, now: datetime.datetime | None = None) -> list[int]:
    """Tell whoever recorded evidence, and the project's lead, that it stops counting within
    ``EVIDENCE_REMINDER_DAYS`` (days in the client's time zone). Returns the ids to email."""
    now = now or timezone.now()
    days = settings.EVIDENCE_REMINDER_DAYS
    # A day either side: each client's own today is decided below, in its time zone.
    candidates = GateEvidence.objects.filter(
        withdrawn_at=None,
        expires_on__gte=now.date() - datetime.timedelta(days=1),
        expires_on__lte=now.date() + datetime.timedelta(days=days + 1),
    ).select_related("project__tenant")
    due = []
    for evidence in candidates.order_by("expires_on", "pk"):
        today = client_today(evidence.project.tenant.time_zone, at=now)
        if today <= evidence.expires_on <= today + datetime.timedelta(days=days):
            due.append(evidence)
    keys = {evidence.pk: f"evidence.expiring:{evidence.pk}:{evidence.expires_on.isoformat()}" for evidence in due}
    sent = _sent(set(keys.values()))
    to_email = []
    for evidence in due:
        if keys[evidence.pk] in sent:
            continue
        project, tenant = evidence.project, evidence.project.tenant
        item = EVIDENCE_ITEMS.get(evidence.item, evidence.item)
        with transaction.atomic():
            to_email += notify(
                recipients=recipients.evidence_keepers(evidence),
                kind=Kind.EVIDENCE_EXPIRING,
                tenant_id=tenant.pk,
                project_id=project.pk,
                key=keys[evidence.pk],
                subject=f"Evidence expiring: {item} on {project.name}",
                sentence=(
                    f"The evidence for “{item}” on {project.name} counts until {local_date(evidence.expires_on)} "
                    f"({tenant.time_zone}); after that day the item fails again. Record it again with a later "
                    "expiry if it still holds."
                ),
                link=evidence_link(evidence),
            )
    return to_email


def _sent(keys: set[str]) -> set[str]:
    """Which of these rounds went out already (to anyone): one query."""
    return set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True).distinct())
