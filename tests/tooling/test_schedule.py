"""The embedded default's scheduler: beat's schedule, run in process when due, on a clock the test moves.

The scheduler's clock is the ``now`` given to ``step``; the tasks it runs read the real clock, so the
data they act on is made overdue in real time (an expiry moved into the past).
"""

import datetime
import logging
import time

import pytest
from celery import shared_task
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.models import Assessment, GateEvidence, Job
from assessments.services.assessments import assessments_run
from assessments.services.gates import evidence_accept, evidence_record
from audit.models import AuditEvent
from config.celery_app import app
from projects.models import ApprovalRequest
from projects.services.approvals import approval_request_create
from tooling.schedule import InProcessScheduler

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
EXPIRE, NIGHTLY, WEBHOOKS, IDEMPOTENCY = (
    "expire-approval-requests",
    "nightly-assessments-and-costs",
    "send-due-webhooks",
    "expire-idempotency-records",
)


@shared_task(name="tests.tooling.always_fails")
def always_fails():
    raise RuntimeError("the receiver is down")


def scheduler_of(state_path, *names):
    """A scheduler over these entries of the production schedule (others may be added there later)."""
    schedule = {name: settings.CELERY_BEAT_SCHEDULE[name] for name in names}
    return InProcessScheduler(app=app, schedule=schedule, state_path=state_path)


@pytest.fixture
def runs(caplog):
    """``runs(scheduler, now)``: one step at ``now``, answering the entries it ran, in order."""

    def step(scheduler, now):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="tooling.schedule"):
            scheduler.step(now)
        messages = [record.getMessage() for record in caplog.records if record.name == "tooling.schedule"]
        return [message.split()[1] for message in messages if message.startswith("Running ")]

    return step


def overdue_request(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    ApprovalRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    return request


def test_an_overdue_request_expires_at_the_first_step_its_interval_allows(tmp_path, runs, project, people):
    request = overdue_request(project, people)
    scheduler = scheduler_of(tmp_path / "state.json", EXPIRE)
    assert runs(scheduler, MONDAY) == []  # a task never run counts from the scheduler's first look, as with beat
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.PENDING

    assert runs(scheduler, MONDAY + datetime.timedelta(minutes=5)) == [EXPIRE]
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.EXPIRED
    event = AuditEvent.objects.get(action="approval.expired")
    assert event.source == AuditEvent.Source.TASK


def test_intervals_are_kept(tmp_path, runs):
    scheduler = scheduler_of(tmp_path / "state.json", EXPIRE, WEBHOOKS, IDEMPOTENCY)
    seconds = {0: [], 59: [], 60: [WEBHOOKS], 90: [], 119: [], 120: [WEBHOOKS], 300: [EXPIRE, WEBHOOKS]}
    seconds |= {330: [], 360: [WEBHOOKS], 3600: [EXPIRE, WEBHOOKS, IDEMPOTENCY], 3601: []}
    ran = {second: runs(scheduler, MONDAY + datetime.timedelta(seconds=second)) for second in seconds}
    assert ran == seconds


def test_the_nightly_run_happens_once_a_day_and_a_restart_does_not_repeat_it(tmp_path, runs):
    state = tmp_path / "state.json"
    scheduler = scheduler_of(state, NIGHTLY)
    at = {"00:00": [], "01:59": [], "02:00": [NIGHTLY], "02:05": [], "23:59": []}
    day = {when: runs(scheduler, MONDAY.replace(hour=int(when[:2]), minute=int(when[3:]))) for when in at}
    assert day == at
    tuesday = MONDAY + datetime.timedelta(days=1)
    assert runs(scheduler, tuesday.replace(hour=2)) == [NIGHTLY]

    restarted = scheduler_of(state, NIGHTLY)
    assert runs(restarted, tuesday.replace(hour=2, minute=10)) == []
    # Off all Wednesday night: the missed run happens once at the next start, then at 02:00 again.
    thursday = tuesday + datetime.timedelta(days=2)
    restarted = scheduler_of(state, NIGHTLY)
    assert runs(restarted, thursday.replace(hour=9)) == [NIGHTLY]
    assert runs(restarted, thursday.replace(hour=9, minute=5)) == []
    assert runs(restarted, (thursday + datetime.timedelta(days=1)).replace(hour=2)) == [NIGHTLY]


def test_a_failing_task_is_logged_and_the_others_still_run(tmp_path, runs, caplog, project, people):
    request = overdue_request(project, people)
    failing = {"always-fails": {"task": "tests.tooling.always_fails", "schedule": 300.0}}
    scheduler = InProcessScheduler(
        app=app, schedule=failing | {EXPIRE: settings.CELERY_BEAT_SCHEDULE[EXPIRE]}, state_path=tmp_path / "s.json"
    )
    runs(scheduler, MONDAY)
    assert runs(scheduler, MONDAY + datetime.timedelta(minutes=5)) == ["always-fails", EXPIRE]
    failure = next(record for record in caplog.records if record.levelno == logging.ERROR)
    assert failure.getMessage().startswith("always-fails failed")
    assert "the receiver is down" in str(failure.exc_info[1])
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.EXPIRED
    # It stays on the schedule: tried again at its next time.
    assert runs(scheduler, MONDAY + datetime.timedelta(minutes=10)) == ["always-fails", EXPIRE]


def test_an_unreadable_state_file_counts_every_task_from_now(tmp_path, runs, caplog):
    state = tmp_path / "state.json"
    state.write_text('{"last_run": {"send-due-webhooks": "yesterday"}}')
    scheduler = scheduler_of(state, WEBHOOKS)
    assert "is unreadable" in caplog.text
    assert runs(scheduler, MONDAY) == []
    assert runs(scheduler, MONDAY + datetime.timedelta(minutes=1)) == [WEBHOOKS]


@pytest.fixture
def tasks_queued_are_run(request, transactional_db):
    """What a scheduled task queues runs in process on the embedded default; with Redis, a real worker
    takes it (the nightly run fans out to chunks). Either way the writes are committed for real."""
    if settings.REDIS_URL:
        request.getfixturevalue("celery_worker")


@pytest.mark.django_db(transaction=True)
def test_expired_evidence_drops_the_stored_readiness_on_the_nightly_step(
    tmp_path, runs, tasks_queued_are_run, project, people
):
    evidence = evidence_record(
        project=project,
        actor=people["lead"],
        item="data_classified",
        note="Agreed with the client's DPO",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    evidence_accept(evidence=evidence, actor=people["approver"])
    assessments_run([project.pk])
    assert Assessment.objects.filter(project=project).latest("pk").status == Assessment.Status.READY

    # Time passes: the evidence's last day is behind us.
    expired_on = timezone.localdate() - datetime.timedelta(days=2)
    GateEvidence.objects.filter(pk=evidence.pk).update(expires_on=expired_on)
    scheduler = scheduler_of(tmp_path / "state.json", NIGHTLY)
    assert runs(scheduler, MONDAY.replace(hour=1)) == []
    assert runs(scheduler, MONDAY.replace(hour=2)) == [NIGHTLY]

    nightly = Job.objects.get(kind=Job.Kind.NIGHTLY)
    deadline = time.monotonic() + 30
    while nightly.status not in (Job.Status.DONE, Job.Status.FAILED) and time.monotonic() < deadline:
        time.sleep(0.1)
        nightly.refresh_from_db()
    assert nightly.status == Job.Status.DONE, nightly.error
    latest = Assessment.objects.filter(project=project).latest("pk")
    assert latest.status == Assessment.Status.BLOCKED
    assert f"Data classified: the evidence expired on {expired_on:%-d %B %Y}" in latest.result["blocking"]


def test_the_command_refuses_where_beat_is_the_scheduler(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    with pytest.raises(CommandError, match=r"Celery beat is the scheduler"):
        call_command("run_schedule")
