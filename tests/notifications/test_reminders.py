"""Reminders before a request or evidence expires: once per request (or expiry) and person, however
often the sweep runs, and only to the people who still have something to do."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import GateEvidence
from assessments.services.gates import evidence_record
from core.moments import client_today
from notifications import reminders
from notifications.models import Kind, Notification
from notifications.tasks import send_reminders
from projects.models import ApprovalRequest
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.policies import policy_save
from tests.notifications.common import told

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_undecided_approvers_are_reminded_once_when_the_request_nears_its_expiry(tenant, project, people):
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=2)
    request = approval_request_create(project=project, actor=people["lead"])  # expires in 72 hours
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert reminders.approval_reminders(now=request.created_at + 47 * HOUR) == []  # 25 hours left: not yet
    assert not Notification.objects.filter(kind=Kind.APPROVAL_REMINDER).exists()

    reminders.approval_reminders(now=request.created_at + 49 * HOUR)
    assert told(Kind.APPROVAL_REMINDER) == {"approver2", "cadmin"}  # not who decided, not the requester
    sentence = Notification.objects.filter(kind=Kind.APPROVAL_REMINDER).first().sentence
    assert "still waits for your decision: it expires on" in sentence
    assert "(Asia/Bangkok)" in sentence

    assert reminders.approval_reminders(now=request.created_at + 50 * HOUR) == []  # run again: nothing new
    assert reminders.approval_reminders(now=request.created_at + 70 * HOUR) == []
    assert Notification.objects.filter(kind=Kind.APPROVAL_REMINDER).count() == 2


def test_the_beat_task_reminds_once_even_when_run_twice(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    now = timezone.now()
    ApprovalRequest.objects.filter(pk=request.pk).update(created_at=now - 60 * HOUR, expires_at=now + 12 * HOUR)
    assert send_reminders() == 3
    assert send_reminders() == 0
    assert told(Kind.APPROVAL_REMINDER) == {"approver", "approver2", "cadmin"}
    assert Notification.objects.filter(kind=Kind.APPROVAL_REMINDER).count() == 3


def test_a_short_lived_request_is_reminded_of_halfway_not_as_soon_as_it_is_made(tenant, project, people):
    policy_save(tenant=tenant, actor=people["admin"], expiry_hours=10)  # all of its life within the window
    request = approval_request_create(project=project, actor=people["lead"])
    assert reminders.approval_reminders(now=request.created_at + HOUR) == []
    reminders.approval_reminders(now=request.created_at + 6 * HOUR)
    assert told(Kind.APPROVAL_REMINDER) == {"approver", "approver2", "cadmin"}


def test_closed_and_expired_requests_are_not_reminded_of(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    reminders.approval_reminders(now=request.expires_at + HOUR)  # past its expiry
    approval_decide(request=request, actor=people["approver"], verdict="reject", comment="No")
    reminders.approval_reminders(now=request.created_at + 60 * HOUR)
    assert not Notification.objects.filter(kind=Kind.APPROVAL_REMINDER).exists()


def test_evidence_about_to_expire_tells_its_recorder_and_the_lead_once(project, people, settings):
    settings.EVIDENCE_REMINDER_DAYS = 7
    now = timezone.now()
    today = timezone.localtime(now, datetime.UTC).date()
    expires = today + datetime.timedelta(days=10)
    evidence = evidence_record(
        project=project, actor=people["engineer"], item="monitoring", note="Grafana", expires_on=expires
    )
    assert reminders.evidence_reminders(now=now) == []  # ten days ahead: not yet
    later = now + datetime.timedelta(days=4)
    reminders.evidence_reminders(now=later)
    assert told(Kind.EVIDENCE_EXPIRING) == {"engineer", "lead"}
    notification = Notification.objects.filter(kind=Kind.EVIDENCE_EXPIRING).first()
    assert f"counts until {expires.day} {expires:%B %Y} (Asia/Bangkok)" in notification.sentence
    assert notification.link == f"/projects/{project.pk}/#gate-monitoring"
    assert reminders.evidence_reminders(now=later) == []
    assert reminders.evidence_reminders(now=later + datetime.timedelta(days=1)) == []
    assert Notification.objects.filter(kind=Kind.EVIDENCE_EXPIRING).count() == 2

    # Recorded again with a later expiry: a new date, a new reminder when that one nears.
    GateEvidence.objects.filter(pk=evidence.pk).update(expires_on=expires + datetime.timedelta(days=30))
    reminders.evidence_reminders(now=later + datetime.timedelta(days=30))
    assert Notification.objects.filter(kind=Kind.EVIDENCE_EXPIRING).count() == 4


def test_withdrawn_evidence_is_not_reminded_of(project, people):
    from assessments.services.gates import evidence_withdraw

    today = client_today(project.tenant.time_zone)  # the client's day, not the server's: it may be tomorrow
    evidence = evidence_record(
        project=project, actor=people["lead"], item="monitoring", note="Grafana", expires_on=today
    )
    evidence_withdraw(evidence=evidence, actor=people["lead"])
    reminders.evidence_reminders()
    assert not Notification.objects.filter(kind=Kind.EVIDENCE_EXPIRING).exists()
