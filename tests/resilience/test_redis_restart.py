"""Redis restarts in the middle of a fan-out: the worker reconnects, the unfinished chunks come back,
and every project is recalculated exactly once in effect. Redis runs with its append-only file, as
in compose.yaml: without persistence a restart loses the queued chunks."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from assessments.catalog import prices_import, reference_catalog_load
from assessments.jobs import job_request
from assessments.models import CostEstimate, Job
from assessments.tasks import fan_out
from config.celery_app import app
from projects.models import Project, RequirementsProfile
from tests.assessments.test_tasks import PRICES, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
PROJECTS, CHUNK = 3000, 300


class PrivateRedis:
    """A redis-server of the test's own on a free port, with an append-only file in ``folder``."""

    def __init__(self, folder):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder, self.process = folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_for(self._answers, timeout=10)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)  # Redis finishes writing its file, then exits
        self.process.wait(timeout=10)

    def _answers(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False


@pytest.fixture
def private_redis(tmp_path):
    if connection.vendor != "postgresql" or shutil.which("redis-server") is None:
        pytest.skip("needs PostgreSQL and redis-server")
    redis = PrivateRedis(tmp_path)
    redis.start()
    saved = app.conf.broker_url
    app.conf.broker_url = redis.url
    app._pool = None
    app.amqp._producer_pool = None
    yield redis
    app.conf.broker_url = saved
    app._pool = None
    app.amqp._producer_pool = None
    if redis.process.poll() is None:
        redis.stop()


def test_a_redis_restart_mid_fan_out_loses_no_chunk_and_repeats_none(tenant, private_redis):
    reference_catalog_load()
    prices_import(prices=PRICES, source="test")
    projects = Project.objects.bulk_create(Project(tenant=tenant, name=f"P{i}", code=f"R-{i}") for i in range(PROJECTS))
    RequirementsProfile.objects.bulk_create(
        RequirementsProfile(tenant=tenant, project=project, monthly_requests=10_000 + i)
        for i, project in enumerate(projects)
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": private_redis.url,
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "warning"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        job = job_request(kind=Job.Kind.NIGHTLY, task=fan_out, parameters={"chunk_size": CHUNK})
        assert wait_for(lambda: job.chunks.exists(), timeout=90), "no chunk finished before the restart"
        private_redis.stop()
        time.sleep(1)
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING, "the restart must land mid-run"
        private_redis.start()
        assert wait_for(lambda: Job.objects.get(pk=job.pk).status != Job.Status.RUNNING, timeout=180)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.chunks.count() == PROJECTS // CHUNK
    assert CostEstimate.objects.count() == PROJECTS
    assert CostEstimate.objects.values("project_id").distinct().count() == PROJECTS
