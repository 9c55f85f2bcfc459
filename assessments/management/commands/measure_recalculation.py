"""Measure the fan-out recalculation after a price change, with one real worker.

    DATABASE_URL=... REDIS_URL=... python manage.py measure_recalculation --projects 10000

Creates (bulk) a throw-away tenant with that many projects, starts one Celery worker, changes the
price their API model uses, and times the fan-out job from request to done. Afterwards, whether the
run finished or not, it removes everything it made: the tenant, its projects, the benchmark model's
Needs PostgreSQL and Redis: with the embedded defaults there is no worker.
"""

import os
import subprocess
import sys
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from assessments.catalog import latest_prices, prices_import, reference_catalog_load
from assessments.jobs import job_request
from assessments.models import ApiModelPrice, CostEstimate, CostProfile, Job
from assessments.tasks import fan_out
from projects.models import Project, RequirementsProfile
from tenancy.models import Tenant

MODEL = "bench:recalc-model"
TENANT = "bench-recalc"


class Command(BaseCommand):
    help = "Time the recalculation of N projects after a price change, with one worker."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=10_000)
        parser.add_argument("--chunk-size", type=int, default=500)
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds to wait for the job to finish.")

    def handle(self, *args, projects, chunk_size, timeout, **options):
        if not settings.REDIS_URL or connection.vendor != "postgresql":
            raise CommandError("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the measurement needs a real worker.")
        reference_catalog_load()
        _clean_up()  # what an interrupted earlier run may have left
        tenant = Tenant.objects.create(slug=TENANT, name="Recalculation benchmark")
        try:
            self.stdout.write(f"Creating {projects} projects…")
            _portfolio_create(tenant, projects)
            old = latest_prices(keys={MODEL}).get(MODEL)
            base = old.input_per_mtok if old else Decimal("1")
            prices_import(prices={MODEL: (base + Decimal("0.01"), None, Decimal("2"))}, source="benchmark")
            job, elapsed = self._run(chunk_size, timeout)
            job.refresh_from_db()
            stored = CostEstimate.objects.filter(job=job).count()
            self.stdout.write(
                f"{timezone.now():%Y-%m-%d}: job {job.status}, {stored} of {projects} projects recalculated in "
                f"{elapsed:.1f} s with one worker ({stored / elapsed:,.0f} projects/s, chunks of {chunk_size})."
            )
        finally:
            _clean_up()

    def _run(self, chunk_size, timeout):
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "warning"],
            env=os.environ.copy(),
        )
        try:
            time.sleep(3)  # let the worker connect before the clock starts
            started = time.monotonic()
            job = job_request(
                kind=Job.Kind.PRICE_FAN_OUT, task=fan_out, parameters={"api_models": [MODEL], "chunk_size": chunk_size}
            )
            while Job.objects.filter(pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).exists():
                if time.monotonic() - started > timeout:
                    raise CommandError(f"The job did not finish within {timeout:g} s.")
                time.sleep(0.2)
            return job, time.monotonic() - started
        finally:
            worker.terminate()
            worker.wait(timeout=60)


def _portfolio_create(tenant, count):
    """``count`` projects with their profiles, written in bulk (no model signals): the tenant's version is
    bumped here, as every bulk writer does."""
    created = Project.objects.bulk_create(
        (Project(tenant=tenant, name=f"Bench {i}", code=f"B-{i}") for i in range(count)), batch_size=2000
    )
    RequirementsProfile.objects.bulk_create(
        (
            RequirementsProfile(tenant=tenant, project=p, monthly_requests=50_000 + i, peak_ratio=Decimal("2"))
            for i, p in enumerate(created)
        ),
        batch_size=2000,
    )
    CostProfile.objects.bulk_create(
        (CostProfile(tenant=tenant, project=p, api_model=MODEL) for p in created), batch_size=2000
    )


def _clean_up():
    """Remove the benchmark tenant with everything it owns, the benchmark model's prices and its jobs."""
    provider, model = MODEL.split(":", 1)
    Job.objects.filter(kind=Job.Kind.PRICE_FAN_OUT, parameters__api_models=[MODEL]).delete()
    tenant_ids = list(Tenant.objects.filter(slug=TENANT).values_list("pk", flat=True))
    if tenant_ids:
        # With their profiles, estimates and standings; the estimates first, as they cite the prices.
        Project.objects.filter(tenant__in=tenant_ids).delete()
        Tenant.objects.filter(pk__in=tenant_ids).delete()
    ApiModelPrice.objects.filter(provider=provider, model=model).delete()
