"""A price added in the Django admin, or a provider certification recorded through the API,
reaches exactly the projects it concerns, on a real Celery worker consuming from Redis (never eager
mode), after the transaction commits."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.catalog import prices_import, reference_catalog_load
from assessments.models import ApiModelPrice, Assessment, CostEstimate, CostProfile, Job
from assessments.services.estimates import estimates_recalculate
from assessments.services.evaluation import evaluate_many
from projects.models import RequirementsProfile
from tests.assessments.test_tasks import job_done, wait_for
from tests.factories import ProjectFactory, UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
PRICES = {"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")), "openai:gpt-4o": (D("2.50"), D("1.25"), D("10"))}


def admin_datetime(moment):
    local = timezone.localtime(moment)
    return {"effective_from_0": local.strftime("%Y-%m-%d"), "effective_from_1": local.strftime("%H:%M:%S")}


def test_a_price_added_in_the_admin_recalculates_exactly_the_affected_projects(celery_worker, client, tenant):
    reference_catalog_load()  # transactional tests empty every table, the migration's rows too
    prices_import(prices=PRICES, source="test", now=timezone.now() - datetime.timedelta(days=2))
    on_mini = ProjectFactory.create_batch(3, tenant=tenant)
    on_4o = ProjectFactory.create_batch(4, tenant=tenant)
    CostProfile.objects.bulk_create(
        CostProfile(tenant=tenant, project=project, api_model="openai:gpt-4o") for project in on_4o
    )
    RequirementsProfile.objects.update(monthly_requests=250_000)
    estimates_recalculate([p.pk for p in on_mini + on_4o])
    client.force_login(UserFactory(username="operator", is_platform_admin=True, is_staff=True, is_superuser=True))
    form = {
        "provider": "openai",
        "model": "gpt-4o",
        "input_per_mtok": "2.00",
        "cached_input_per_mtok": "1.00",
        "output_per_mtok": "8.00",
        "source": "Price cut announced today",
    }

    # Dated later: it waits its turn, nothing is recalculated now.
    later = client.post(
        reverse("admin:assessments_apimodelprice_add"),
        {**form, **admin_datetime(timezone.now() + datetime.timedelta(days=5))},
    )
    assert later.status_code == 302, later.content.decode()[:2000]
    assert not Job.objects.filter(kind=Job.Kind.PRICE_FAN_OUT).exists()

    response = client.post(
        reverse("admin:assessments_apimodelprice_add"),
        {**form, **admin_datetime(timezone.now() - datetime.timedelta(hours=1))},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get(kind=Job.Kind.PRICE_FAN_OUT)
    assert job.parameters == {"api_models": ["openai:gpt-4o"]}
    assert wait_for(lambda: job_done(job))
    assert job.status == Job.Status.DONE, job.error
    assert job.result["projects"] == 4
    assert job.result["stored"] == 4
    recalculated = CostEstimate.objects.filter(job=job)
    assert {estimate.project_id for estimate in recalculated} == {project.pk for project in on_4o}
    # Readiness reads the estimate: the same projects are assessed on the new figures, and only they.
    assert set(Assessment.objects.filter(job=job).values_list("project", flat=True)) == {p.pk for p in on_4o}
    cut = ApiModelPrice.objects.get(
        model="gpt-4o", source="Price cut announced today", effective_from__lte=timezone.now()
    )
    assert {estimate.api_price_id for estimate in recalculated} == {cut.pk}


def test_a_certification_recorded_through_the_api_re_assesses_exactly_the_projects_it_concerns(
    celery_worker, api, tenant, people
):
    """A provider's certification is what readiness checks a regulated project against: recorded
    by a platform admin, it reaches the regulated projects on that provider once it commits, on the
    real worker, and no other project."""
    reference_catalog_load()
    prices_import(prices=PRICES, source="test", now=timezone.now() - datetime.timedelta(days=2))
    card_data = ProjectFactory.create_batch(2, tenant=tenant)
    unregulated = ProjectFactory(tenant=tenant)
    RequirementsProfile.objects.update(monthly_requests=200_000)
    RequirementsProfile.objects.filter(project__in=card_data).update(
        data_sensitivity="regulated", data_categories=["financial"], regulations=["pci_dss"]
    )
    evaluate_many([p.pk for p in [*card_data, unregulated]])

    def blocked_on_certifications():
        return {
            assessment.project_id
            for assessment in Assessment.objects.filter(pk__in=latest_assessment_ids().values())
            if "certifications_unverified" in {m["code"] for m in assessment.result["mismatches"]}
        }

    assert blocked_on_certifications() == {p.pk for p in card_data}
    before = latest_assessment_ids()

    recorded = api(people["platform"]).post(
        "/api/v1/certifications/",
        {"provider": "openai", "certification": "pci_dss", "verified_on": "2026-11-02", "source": "Trust page"},
        format="json",
    )
    assert recorded.status_code == 201, recorded.json()
    job = Job.objects.get(kind=Job.Kind.CERTIFICATIONS)
    assert wait_for(lambda: job_done(job))
    assert job.status == Job.Status.DONE, job.error
    assert (job.result["projects"], job.result["stored"]) == (2, 2)
    assert blocked_on_certifications() == set()
    assert latest_assessment_ids()[unregulated.pk] == before[unregulated.pk], (
        "a project it does not concern is not re-run"
    )


def latest_assessment_ids() -> dict[int, int]:
    """Project id → the id of its latest assessment."""
    return dict(Assessment.objects.order_by("created_at", "pk").values_list("project", "pk"))
