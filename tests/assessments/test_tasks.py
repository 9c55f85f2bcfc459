"""The tasks on a real Celery worker consuming from Redis (never eager mode)."""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.db import connection

from assessments.catalog import prices_import, reference_catalog_load
from assessments.jobs import job_request
from assessments.models import Assessment, CostEstimate, CostProfile, Job
from assessments.tasks import fan_out, recalculate_costs, run_assessment, schedule_evaluation
from projects.models import Project, RequirementsProfile
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.redis, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
PRICES = {"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")), "openai:gpt-4o": (D("2.50"), D("1.25"), D("10"))}
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout=30, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def job_done(job):
    job.refresh_from_db()
    return job.status in {Job.Status.DONE, Job.Status.FAILED}


@pytest.fixture
def priced():
    # Transactional tests empty every table afterwards, the migration-loaded reference rows too.
    reference_catalog_load()
    prices_import(prices=PRICES, source="test")


def test_a_requested_assessment_runs_on_the_worker_and_updates_its_job(celery_worker, project, people):
    job = job_request(kind=Job.Kind.ASSESSMENT, task=run_assessment, project=project, requested_by=people["lead"])
    assert job.status == Job.Status.QUEUED
    assert wait_for(lambda: job_done(job))
    assert job.status == Job.Status.DONE, job.error
    assert job.started_at <= job.finished_at
    assert job.result == {"projects": 1, "stored": 1, "unchanged": 0}
    assert Assessment.objects.get().job == job


def test_running_a_task_twice_changes_nothing_more(celery_worker, project, priced):
    job = job_request(kind=Job.Kind.COST, task=recalculate_costs, project=project)
    assert wait_for(lambda: job_done(job))
    state = (CostEstimate.objects.count(), Assessment.objects.count(), job.result)
    assert state[:2] == (1, 1)
    recalculate_costs.delay(job.pk).get(timeout=30)  # the same job again: already done
    second = job_request(kind=Job.Kind.COST, task=recalculate_costs, project=project)
    assert wait_for(lambda: job_done(second))
    assert (CostEstimate.objects.count(), Assessment.objects.count()) == (1, 1)
    assert second.result["stored"] == 0


def test_a_price_change_recalculates_exactly_the_affected_projects(celery_worker, tenant, priced):
    on_mini = ProjectFactory.create_batch(5, tenant=tenant)
    on_4o = ProjectFactory.create_batch(7, tenant=tenant)
    CostProfile.objects.bulk_create(
        CostProfile(tenant=tenant, project=project, api_model="openai:gpt-4o") for project in on_4o
    )
    RequirementsProfile.objects.update(monthly_requests=100_000)
    job = job_request(kind=Job.Kind.NIGHTLY, task=fan_out, parameters={"chunk_size": 4})
    assert wait_for(lambda: job_done(job))
    assert job.status == Job.Status.DONE, job.error
    assert CostEstimate.objects.count() == 12
    assert job.chunks_total == 3

    changed = prices_import(
        prices={**PRICES, "openai:gpt-4o": (D("2.00"), D("1.00"), D("8"))}, source="new list"
    ).changed_keys
    job = job_request(
        kind=Job.Kind.PRICE_FAN_OUT, task=fan_out, parameters={"api_models": sorted(changed), "chunk_size": 3}
    )
    assert wait_for(lambda: job_done(job))
    assert job.status == Job.Status.DONE, job.error
    assert job.result["stored"] == 7
    recalculated = set(CostEstimate.objects.filter(job=job).values_list("project_id", flat=True))
    assert recalculated == {project.pk for project in on_4o}
    assert not recalculated & {project.pk for project in on_mini}


def test_a_burst_of_edits_runs_one_evaluation(celery_worker, project, priced, settings):
    for _ in range(5):
        schedule_evaluation(project.pk)
    assert wait_for(lambda: Assessment.objects.exists(), timeout=30)
    time.sleep(1)
    assert Assessment.objects.count() == 1
    assert CostEstimate.objects.count() == 1


@pytest.mark.postgres
def test_a_worker_killed_mid_run_is_redelivered_and_the_work_completes_once(tenant, priced):
    # Enough projects that one chunk takes a while; one chunk, so the kill lands inside it.
    projects = Project.objects.bulk_create(Project(tenant=tenant, name=f"P{i}", code=f"BULK-{i}") for i in range(4000))
    RequirementsProfile.objects.bulk_create(
        RequirementsProfile(tenant=tenant, project=project, monthly_requests=10_000 + i)
        for i, project in enumerate(projects)
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "warning"]
    from config.celery_app import app

    app.control.purge()
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        job = job_request(kind=Job.Kind.NIGHTLY, task=fan_out, parameters={"chunk_size": 4000})
        assert wait_for(lambda: Job.objects.get(pk=job.pk).chunks_total == 1, timeout=60)
        time.sleep(0.5)  # inside the chunk now
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        job.refresh_from_db()
        assert job.status == Job.Status.RUNNING, "the kill must land before the chunk finished"
    finally:
        if first.poll() is None:
            first.kill()
    second = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: job_done(job), timeout=90)
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert job.status == Job.Status.DONE, job.error
    assert CostEstimate.objects.count() == 4000
    assert CostEstimate.objects.values("project_id").distinct().count() == 4000
    assert Assessment.objects.count() == 4000


def _database_url():
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


class _RolledBack(Exception):
    pass


@pytest.mark.postgres
def test_an_edit_that_rolls_back_does_not_cancel_the_evaluation_of_a_committed_one(
    celery_worker, project, people, priced
):
    from django.db import transaction

    from projects.services.projects import profile_update

    profile_update(project=project, actor=people["lead"], monthly_requests=4321)  # committed

    def edit_then_roll_back():
        with transaction.atomic():
            profile_update(project=project, actor=people["lead"], monthly_requests=9999)
            raise _RolledBack

    with pytest.raises(_RolledBack):
        edit_then_roll_back()
    assert wait_for(lambda: CostEstimate.objects.filter(project=project).exists(), timeout=30)
    estimate = CostEstimate.objects.get(project=project)
    assert estimate.inputs["workload"]["monthly_requests"] == 4321
    assert Assessment.objects.filter(project=project).count() == 1


def _break_the_estimate_of(project):
    """Data no form accepts (over the validated maximum of requests): the project's estimate overflows
    the stored columns, so its chunk fails at the database until the data is put right."""
    RequirementsProfile.objects.filter(project=project).update(monthly_requests=9 * 10**18)


@pytest.mark.postgres
def test_a_chunk_that_fails_once_is_retried_and_the_job_ends_done(celery_worker, tenant, priced):
    projects = ProjectFactory.create_batch(6, tenant=tenant)
    RequirementsProfile.objects.update(monthly_requests=100_000)
    _break_the_estimate_of(projects[4])
    job = job_request(kind=Job.Kind.NIGHTLY, task=fan_out, parameters={"chunk_size": 3})
    assert wait_for(lambda: "chunk 1 failed, retrying" in Job.objects.get(pk=job.pk).error, timeout=30)
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    RequirementsProfile.objects.filter(project=projects[4]).update(monthly_requests=100_000)
    assert wait_for(lambda: job_done(job), timeout=60)
    assert job.status == Job.Status.DONE, job.error
    assert job.error == ""
    assert job.result["chunks"] == 2
    assert CostEstimate.objects.count() == 6


@pytest.mark.postgres
def test_a_chunk_that_keeps_failing_fails_the_job_once_every_chunk_ended(celery_worker, tenant, priced):
    projects = ProjectFactory.create_batch(6, tenant=tenant)
    RequirementsProfile.objects.update(monthly_requests=100_000)
    _break_the_estimate_of(projects[4])
    job = job_request(kind=Job.Kind.NIGHTLY, task=fan_out, parameters={"chunk_size": 3})
    assert wait_for(lambda: job_done(job), timeout=60)  # 1 attempt and 3 retries, 2 + 4 + 8 s apart
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("chunk 1: ")
    assert "chunk 0" not in job.error
    assert job.chunks.count() == 2
    assert set(CostEstimate.objects.values_list("project_id", flat=True)) == {p.pk for p in projects[:3]}
