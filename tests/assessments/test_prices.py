"""Prices by date and place: an estimate uses only the prices in force on the client's today, GPU
prices of where the project runs, and records the rows and the plan it used; a price change
concerns exactly the projects whose estimate used its entry or whose plan would now pick it.

There is no time-travel library in this project: the clock is moved through the public argument
``estimates_recalculate(..., at=...)``, the moment whose prices apply (now by default)."""

import datetime
import zoneinfo
from decimal import Decimal as D

import pytest
from django.utils import timezone

from assessments.catalog import prices_import
from assessments.models import ApiModelPrice, CostEstimate, CostProfile, GpuInstancePrice, TenantCostDefaults
from assessments.selectors import projects_affected_by_prices
from assessments.services.estimates import estimates_recalculate
from deployments.models import CustomerCloudEnvironment
from projects.models import DeploymentModel, Project, RequirementsProfile
from tests.factories import ProjectFactory, TenantFactory

pytestmark = pytest.mark.django_db

PRICES = {"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")), "openai:gpt-4o": (D("2.50"), D("1.25"), D("10"))}
BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")


@pytest.fixture
def catalog():
    prices_import(prices=PRICES, source="test prices", now=timezone.now() - datetime.timedelta(days=2))


def busy(*projects):
    RequirementsProfile.objects.filter(project__in=projects).update(monthly_requests=1_000_000)


def latest(project) -> CostEstimate:
    return CostEstimate.objects.filter(project=project).order_by("-created_at", "-pk").first()


def reference_gpu(instance="g5.xlarge"):
    return GpuInstancePrice.objects.get(instance_type=instance, region="us-east-1")


def gpu_price(instance="g5.xlarge", *, region="us-east-1", provider="aws", hourly, effective_from):
    reference = reference_gpu(instance)
    return GpuInstancePrice.objects.create(
        provider=provider,
        instance_type=instance,
        gpu_type=reference.gpu_type,
        gpus=reference.gpus,
        region=region,
        hourly=hourly,
        effective_from=effective_from,
        source="test",
    )


def customer_cloud(project, *, provider="aws", regions=()):
    Project.objects.filter(pk=project.pk).update(deployment_model=DeploymentModel.CUSTOMER_CLOUD)
    CustomerCloudEnvironment.objects.create(
        tenant=project.tenant, project=project, provider=provider, regions=list(regions)
    )


def test_a_future_dated_api_price_does_not_change_todays_estimate_and_does_on_its_date(project, catalog):
    busy(project)
    estimates_recalculate([project.pk])
    today = latest(project)
    in_force = ApiModelPrice.objects.get(model="gpt-4o-mini")
    assert today.api_price == in_force
    takes_effect = timezone.now() + datetime.timedelta(days=3)
    dearer = ApiModelPrice.objects.create(
        provider="openai",
        model="gpt-4o-mini",
        input_per_mtok=D("0.30"),
        cached_input_per_mtok=D("0.15"),
        output_per_mtok=D("1.20"),
        effective_from=takes_effect,
        source="next year's list",
    )

    assert estimates_recalculate([project.pk])["stored"] == 0
    assert estimates_recalculate([project.pk], at=takes_effect - datetime.timedelta(seconds=1))["stored"] == 0
    assert latest(project) == today

    assert estimates_recalculate([project.pk], at=takes_effect)["stored"] == 1
    on_the_day = latest(project)
    assert on_the_day.api_price == dearer
    assert on_the_day.inputs["sources"]["api_price"]["id"] == dearer.pk
    assert on_the_day.cloud_api_monthly > today.cloud_api_monthly


def test_a_gpu_price_takes_effect_on_its_day_in_the_clients_time_zone(project, catalog):
    # The tenant fixture's client is in Bangkok (UTC+7).
    busy(project)
    estimates_recalculate([project.pk])
    today = latest(project)
    assert today.gpu_price == reference_gpu()
    bangkok_today = timezone.localdate(timezone=BANGKOK)
    day = bangkok_today + datetime.timedelta(days=2)
    dearer = gpu_price(hourly=D("2.012"), effective_from=day)
    assert estimates_recalculate([project.pk])["stored"] == 0

    # 23:30 UTC the day before is 06:30 in Bangkok on the price's day: the client's today counts.
    evening_before_in_utc = datetime.datetime.combine(day, datetime.time(23, 30), datetime.UTC) - datetime.timedelta(
        days=1
    )
    just_before = datetime.datetime.combine(day, datetime.time(0), BANGKOK) - datetime.timedelta(minutes=1)
    assert estimates_recalculate([project.pk], at=just_before)["stored"] == 0
    assert estimates_recalculate([project.pk], at=evening_before_in_utc)["stored"] == 1
    on_the_day = latest(project)
    assert on_the_day.gpu_price == dearer
    assert on_the_day.self_hosted_monthly > today.self_hosted_monthly


def test_gpu_prices_are_those_of_the_provider_and_region_the_project_names(tenant, catalog):
    anywhere, in_frankfurt, in_mumbai, on_azure = ProjectFactory.create_batch(4, tenant=tenant)
    busy(anywhere, in_frankfurt, in_mumbai, on_azure)
    frankfurt = gpu_price(region="eu-central-1", hourly=D("1.258"), effective_from=datetime.date(2026, 1, 1))
    customer_cloud(in_frankfurt, regions=["eu-central-1", "us-east-1"])
    customer_cloud(in_mumbai, regions=["ap-south-1"])
    customer_cloud(on_azure, provider="azure")

    result = estimates_recalculate([anywhere.pk, in_frankfurt.pk, in_mumbai.pk, on_azure.pk])

    # Named nothing: the cheapest region in force. Named regions: the first listed that has a price.
    assert latest(anywhere).gpu_price == reference_gpu()
    assert latest(in_frankfurt).gpu_price == frankfurt
    assert latest(in_frankfurt).inputs["sources"]["gpu_price"]["region"] == "eu-central-1"
    assert latest(anywhere).inputs["sources"]["gpu_price"]["not_where_it_runs"] is None
    assert latest(in_frankfurt).inputs["sources"]["gpu_price"]["not_where_it_runs"] is None
    # Nothing priced where it runs: the nearest price (same provider, else any), and the estimate says so.
    assert result["failed"] == {}
    assert latest(in_mumbai).gpu_price == reference_gpu()
    assert latest(in_mumbai).inputs["sources"]["gpu_price"]["not_where_it_runs"] == (
        "No g5.xlarge price in the catalog from AWS in ap-south-1: priced at AWS us-east-1 instead."
    )
    assert latest(on_azure).inputs["sources"]["gpu_price"]["not_where_it_runs"] == (
        "No g5.xlarge price in the catalog from AZURE: priced at AWS us-east-1 instead."
    )


def test_an_estimate_records_the_plan_it_used_and_where_each_value_came_from(project, catalog):
    TenantCostDefaults.objects.create(tenant=project.tenant, gpu_instance="p5.48xlarge", staff_fte=D("2"))
    CostProfile.objects.create(tenant=project.tenant, project=project, api_model="openai:gpt-4o", staff_fte=D("1"))
    busy(project)
    estimates_recalculate([project.pk])
    estimate = latest(project)
    assert estimate.plan["api_model"] == {"value": "openai:gpt-4o", "from": "project"}
    assert estimate.plan["staff_fte"] == {"value": "1.00", "from": "project"}
    assert estimate.plan["gpu_instance"] == {"value": "p5.48xlarge", "from": "tenant"}
    assert estimate.plan["size_class"] == {"value": "8b", "from": "platform"}
    assert estimate.gpu_price == reference_gpu("p5.48xlarge")
    assert estimate.api_price == ApiModelPrice.objects.get(model="gpt-4o")


def test_a_price_change_concerns_exactly_the_projects_that_used_or_would_pick_it(tenant, catalog):
    other = TenantFactory(slug="initech", time_zone="Europe/London")
    TenantCostDefaults.objects.create(tenant=other, api_model="openai:gpt-4o")
    explicit_4o, default_mini, tenant_4o, overridden = (
        ProjectFactory(tenant=tenant),
        ProjectFactory(tenant=tenant),
        ProjectFactory(tenant=other),
        ProjectFactory(tenant=other),
    )
    CostProfile.objects.create(tenant=tenant, project=explicit_4o, api_model="openai:gpt-4o")
    CostProfile.objects.create(tenant=other, project=overridden, api_model="openai:gpt-4o-mini")
    in_frankfurt = ProjectFactory(tenant=tenant)
    customer_cloud(in_frankfurt, regions=["eu-central-1", "us-east-1"])
    everyone = [explicit_4o, default_mini, tenant_4o, overridden, in_frankfurt]
    busy(*everyone)
    estimates_recalculate([p.pk for p in everyone])

    def ids(*projects):
        return sorted(p.pk for p in projects)

    assert projects_affected_by_prices(api_models=["openai:gpt-4o"]) == ids(explicit_4o, tenant_4o)
    assert projects_affected_by_prices(api_models=["openai:gpt-4o-mini"]) == ids(default_mini, overridden, in_frankfurt)
    assert projects_affected_by_prices(api_models=["anthropic:claude-x"]) == []
    # GPU: everyone is on g5.xlarge; a new Frankfurt price concerns those who may run there.
    assert projects_affected_by_prices(gpu_prices=[("aws", "g5.xlarge", "eu-central-1")]) == ids(*everyone)
    assert projects_affected_by_prices(gpu_prices=[("aws", "g5.xlarge", "ap-south-1")]) == ids(
        explicit_4o, default_mini, tenant_4o, overridden
    )
    assert projects_affected_by_prices(gpu_prices=[("azure", "g5.xlarge", "eu-central-1")]) == ids(
        explicit_4o, default_mini, tenant_4o, overridden
    )
    assert projects_affected_by_prices(gpu_prices=[("aws", "g6.xlarge", "us-east-1")]) == []
    # Its latest estimate used the us-east-1 entry: a change there concerns it even though it lists Frankfurt first.
    assert in_frankfurt.pk in projects_affected_by_prices(gpu_prices=[("aws", "g5.xlarge", "us-east-1")])
