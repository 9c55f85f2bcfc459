"""manage.py measure_recalculation: measures with a real worker, invalidates what it writes in bulk,
and leaves nothing behind, whether the run finishes or not."""

from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models.signals import post_save

from assessments.models import ApiModelPrice, Job
from projects.models import Project
from tenancy.models import Tenant
from tests.factories import ProjectFactory, TenantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_sees_the_test_database(monkeypatch):
    """The command starts its worker with this process's environment: point it at the test database."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    monkeypatch.setenv(
        "DATABASE_URL", f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def leftovers():
    return {
        "tenants": Tenant.objects.filter(slug="bench-recalc").count(),
        "projects": Project.objects.filter(tenant__slug="bench-recalc").count(),
        "prices": ApiModelPrice.objects.filter(provider="bench").count(),
        "jobs": Job.objects.count(),
    }


def test_a_run_measures_shows_its_projects_while_it_runs_and_cleans_up(worker_sees_the_test_database, capsys):
    ProjectFactory(tenant=TenantFactory(slug="resident"), code="KEEP-1")

    def project_count():
        return Project.objects.count()

    assert project_count() == 1
    seen = {}

    def when_the_tenant_is_made(sender, instance, created, **kwargs):
        # Read once the tenant's creation is committed, before the bulk writes.
        def read():
            seen["before the bulk writes"] = project_count()

        if created and instance.slug == "bench-recalc":
            transaction.on_commit(read)

    def when_the_job_is_requested(sender, instance, created, **kwargs):
        # The benchmark's projects are written by now: a reader sees them.
        if created:
            seen["while the job runs"] = project_count()

    post_save.connect(when_the_tenant_is_made, sender=Tenant, dispatch_uid="measure-test")
    post_save.connect(when_the_job_is_requested, sender=Job, dispatch_uid="measure-test")
    try:
        call_command("measure_recalculation", projects=6, chunk_size=4, timeout=120)
    finally:
        post_save.disconnect(sender=Tenant, dispatch_uid="measure-test")
        post_save.disconnect(sender=Job, dispatch_uid="measure-test")

    assert seen == {"before the bulk writes": 1, "while the job runs": 7}
    assert "job done, 6 of 6 projects recalculated" in capsys.readouterr().out
    assert leftovers() == {"tenants": 0, "projects": 0, "prices": 0, "jobs": 0}
    assert list(Project.objects.values_list("code", flat=True)) == ["KEEP-1"]
    assert project_count() == 1


def test_a_run_that_fails_still_cleans_up(monkeypatch):
    # The worker reads another database, so the job never finishes: the run gives up after its timeout.
    monkeypatch.setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:9/none")
    with pytest.raises(CommandError, match="did not finish"):
        call_command("measure_recalculation", projects=3, chunk_size=2, timeout=1)
    assert leftovers() == {"tenants": 0, "projects": 0, "prices": 0, "jobs": 0}
