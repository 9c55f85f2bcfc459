"""The cost plan: one service behind the project page, the API and the Django admin; blank fields
fall back to the client's defaults, then the platform's; saving re-runs the estimate, which
records the plan it used."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.catalog import prices_import
from assessments.models import CostEstimate, CostProfile, Job, TenantCostDefaults
from assessments.services.cost_plans import cost_plan_of, cost_plan_update, tenant_cost_defaults_update
from audit.models import AuditEvent
from projects.models import RequirementsProfile
from tests.edit_forms import as_sent
from tests.factories import ProjectFactory, TenantFactory

pytestmark = pytest.mark.django_db

PRICES = {"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")), "openai:gpt-4o": (D("2.50"), D("1.25"), D("10"))}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def catalog(project):
    prices_import(prices=PRICES, source="test prices", now=timezone.now() - datetime.timedelta(days=1))
    RequirementsProfile.objects.filter(project=project).update(monthly_requests=500_000)


def stored():
    """Everything a refused change must leave as it was."""
    return (
        list(CostProfile.objects.values()),
        CostEstimate.objects.count(),
        AuditEvent.objects.filter(action="project.cost_profile_updated").count(),
    )


def latest(project):
    return CostEstimate.objects.filter(project=project).order_by("-created_at", "-pk").first()


# --- The service ------------------------------------------------------------------------------


def test_saving_the_plan_stores_fractions_reruns_the_estimate_and_records_the_plan(project, people, catalog):
    plan = cost_plan_update(
        project=project,
        actor=people["engineer"],
        api_model="openai:gpt-4o",
        utilisation_percent="55",
        hybrid_api_percent=D("30"),
        staff_fte=D("1.5"),
    )
    assert (plan.utilisation_target, plan.hybrid_self_hosted_share, plan.staff_fte) == (D("0.55"), D("0.7"), D("1.5"))
    estimate = latest(project)
    assert estimate is not None, "saving the plan re-runs the estimate"
    assert estimate.plan["api_model"] == {"value": "openai:gpt-4o", "from": "project"}
    assert estimate.plan["utilisation_target"] == {"value": "0.550", "from": "project"}
    assert estimate.plan["hybrid_self_hosted_share"] == {"value": "0.700", "from": "project"}
    assert estimate.plan["gpu_instance"] == {"value": "g5.xlarge", "from": "platform"}
    event = AuditEvent.objects.get(action="project.cost_profile_updated")
    assert event.after["utilisation_target"] == "0.55"

    cost_plan_update(project=project, actor=people["lead"], staff_fte=D("1.5"))  # nothing changed
    assert CostEstimate.objects.filter(project=project).count() == 1
    assert AuditEvent.objects.filter(action="project.cost_profile_updated").count() == 1


def test_a_blank_field_falls_back_to_the_tenant_default_then_the_platform(project, people, catalog):
    TenantCostDefaults.objects.create(tenant=project.tenant, gpu_instance="p5.48xlarge", staff_loaded_monthly=D("9000"))
    cost_plan_update(project=project, actor=people["engineer"], gpu_instance="g5.xlarge", staff_fte="2")
    _, in_force = cost_plan_of(project)
    assert (in_force.gpu_instance, in_force.origins["gpu_instance"]) == ("g5.xlarge", "project")
    assert (in_force.staff_loaded_monthly, in_force.origins["staff_loaded_monthly"]) == (D("9000"), "tenant")
    assert (in_force.size_class, in_force.origins["size_class"]) == ("8b", "platform")

    cost_plan_update(project=project, actor=people["engineer"], gpu_instance="", staff_fte=None)
    profile, in_force = cost_plan_of(project)
    assert (profile.gpu_instance, profile.staff_fte) == ("", None)
    assert (in_force.gpu_instance, in_force.origins["gpu_instance"]) == ("p5.48xlarge", "tenant")
    assert (in_force.staff_fte, in_force.origins["staff_fte"]) == (D("0.5"), "platform")
    assert latest(project).plan["gpu_instance"] == {"value": "p5.48xlarge", "from": "tenant"}


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"utilisation_percent": "0"}, "utilisation_percent", "Between 1 and 100 per cent."),
        ({"utilisation_percent": "100.5"}, "utilisation_percent", "Between 1 and 100 per cent."),
        ({"utilisation_percent": "70.25"}, "utilisation_percent", "At most 1 decimal places."),
        ({"utilisation_percent": "NaN"}, "utilisation_percent", "Between 1 and 100 per cent."),
        ({"utilisation_percent": "lots"}, "utilisation_percent", "Give a number. Between 1 and 100 per cent."),
        ({"hybrid_self_hosted_percent": "-1"}, "hybrid_self_hosted_percent", "Between 0 and 100 per cent."),
        (
            {"hybrid_self_hosted_percent": "60", "hybrid_api_percent": "30"},
            "hybrid_api_percent",
            "The self-hosted and API shares must add up to 100 per cent.",
        ),
        ({"min_replicas": "1.5"}, "min_replicas", "A whole number from 1 to 1000."),
        ({"pue": "0.9"}, "pue", "A power usage effectiveness between 1 and 3."),
        ({"hybrid_mode": "sometimes"}, "hybrid_mode", "One of: share, base_and_burst."),
        (
            {"api_model": "acme:unknown"},
            "api_model",
            "“acme:unknown” has no price in force in the catalog: give a provider:model that has one, "
            "e.g. openai:gpt-4o-mini.",
        ),
        (
            {"gpu_instance": "x9.huge"},
            "gpu_instance",
            "“x9.huge” is not a GPU instance in the catalog, e.g. g5.xlarge.",
        ),
        ({"size_class": "3b"}, "size_class", "“3b” is not a model size in the catalog: one of 70b, 7b, 8b."),
        (
            {"size_class": "70b"},
            "size_class",
            "The catalog has no throughput figure for a 70b model on A10G (g5.xlarge): choose another model size "
            "or GPU instance.",
        ),
        (
            {"hardware_profile": "My basement"},
            "hardware_profile",
            "“My basement” is not an on-premises server in the catalog.",
        ),
        ({"colour": "blue"}, "colour", "Not a field of the cost plan."),
    ],
)
def test_each_rule_is_refused_naming_the_field_and_nothing_is_stored(project, people, catalog, fields, field, rule):
    before = stored()
    with pytest.raises(ValidationError) as error:
        cost_plan_update(project=project, actor=people["engineer"], **fields)
    assert error.value.message_dict == {field: [rule]}
    assert stored() == before


def test_a_future_dated_model_is_not_yet_known(project, people, catalog):
    prices_import(prices={"openai:gpt-5": (D("5"), None, D("20"))}, now=timezone.now() + datetime.timedelta(days=2))
    with pytest.raises(ValidationError) as error:
        cost_plan_update(project=project, actor=people["engineer"], api_model="openai:gpt-5")
    assert list(error.value.message_dict) == ["api_model"]


@pytest.mark.parametrize("who", ["viewer", "approver", "admin", "outsider"])
def test_only_those_who_change_technical_details_may_change_the_plan(project, people, catalog, who):
    before = stored()
    with pytest.raises(PermissionDenied):
        cost_plan_update(project=project, actor=people[who], staff_fte="1")
    assert stored() == before


# --- The page ---------------------------------------------------------------------------------


def test_the_cost_section_shows_the_plan_and_its_origins_within_a_query_budget(
    client, project, people, catalog, django_assert_max_num_queries
):
    TenantCostDefaults.objects.create(tenant=project.tenant, gpu_instance="p5.48xlarge")
    cost_plan_update(project=project, actor=people["lead"], utilisation_percent="60")
    client.force_login(people["engineer"])
    url = reverse("project-detail", args=[project.pk])
    client.get(url)
    with django_assert_max_num_queries(45) as captured:
        page = client.get(url).content.decode()
    budget = len(captured.captured_queries)
    assert "Target GPU utilisation (%)</dt><dd>60</dd>" in page
    assert "GPU instance</dt><dd>p5.48xlarge <small>(Acme's default)</small>" in page
    assert "Self-hosted model size</dt><dd>8b <small>(platform default)</small>" in page
    assert "Monthly cost of one engineer (USD)</dt><dd>$15,000 <small>(platform default)</small>" in page
    # The form is loaded when "Change the cost plan" is opened: the page builds none of its fields.
    assert f'hx-get="/projects/{project.pk}/cost-plan/" hx-trigger="toggle once"' in page
    assert 'name="plan-staff_fte"' not in page
    for fte in ("1", "2", "3", "4", "5"):  # more estimates in the history: no more queries
        cost_plan_update(project=project, actor=people["lead"], staff_fte=fte)
    with django_assert_max_num_queries(budget):
        client.get(url)


def test_the_form_is_loaded_when_opened_and_has_a_page_of_its_own(client, project, people, catalog):
    client.force_login(people["engineer"])
    url = reverse("project-cost-plan", args=[project.pk])
    fragment = client.get(url, headers=HTMX).content.decode()
    assert "<html" not in fragment
    assert f'hx-post="{url}" hx-target="#costs"' in fragment
    assert 'name="plan-staff_fte"' in fragment
    assert "Empty: 1, the platform default." in fragment  # what a field left empty takes
    page = client.get(url).content.decode()
    assert "<h1>Cost plan of " in page
    assert 'name="plan-staff_fte"' in page
    assert "hx-post" not in page
    assert client.put(url, {"plan-staff_fte": "3"}).status_code == 405


def test_a_viewer_sees_the_plan_but_no_form_and_may_not_post(client, project, people, catalog):
    client.force_login(people["viewer"])
    page = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "Cost plan" in page
    assert "Change the cost plan" not in page
    before = stored()
    response = client.post(reverse("project-cost-plan", args=[project.pk]), {"plan-staff_fte": "3"}, headers=HTMX)
    assert response.status_code == 403
    assert client.get(reverse("project-cost-plan", args=[project.pk]), headers=HTMX).status_code == 403
    assert stored() == before
    client.force_login(people["outsider"])
    assert client.post(reverse("project-cost-plan", args=[project.pk]), {"plan-staff_fte": "3"}).status_code == 404
    assert client.get(reverse("project-cost-plan", args=[project.pk]), headers=HTMX).status_code == 404


def test_saving_with_htmx_redraws_the_cost_section_with_the_new_estimate(client, project, people, catalog):
    client.force_login(people["engineer"])
    response = client.post(
        reverse("project-cost-plan", args=[project.pk]),
        as_sent(
            client,
            reverse("project-cost-plan", args=[project.pk]),
            {"plan-api_model": "openai:gpt-4o", "plan-utilisation_percent": "80"},
        ),
        headers=HTMX,
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="costs"')
    assert "Cost plan saved; the estimate below follows it." in fragment
    estimate = latest(project)
    assert estimate.plan["api_model"]["value"] == "openai:gpt-4o"
    assert f"{estimate.cloud_api_monthly:,.2f}" in fragment


def test_a_refused_plan_shows_the_field_error_and_stores_nothing(client, project, people, catalog):
    client.force_login(people["engineer"])
    before = stored()
    response = client.post(
        reverse("project-cost-plan", args=[project.pk]),
        as_sent(
            client,
            reverse("project-cost-plan", args=[project.pk]),
            {"plan-utilisation_percent": "150", "plan-gpu_instance": "x9.huge"},
        ),
        headers=HTMX,
    )
    assert response.status_code == 200
    form = response.context["cost_plan_form"]
    assert form.errors == {
        "utilisation_percent": ["Between 1 and 100 per cent."],
    }
    fragment = response.content.decode()
    assert '<details class="cost-plan-edit" open>' in fragment  # the form drawn open, with its error
    assert "Between 1 and 100 per cent." in fragment
    assert stored() == before
    # Without htmx: the form's own page, with the errors of both rules the service checks in turn.
    plain = client.post(
        reverse("project-cost-plan", args=[project.pk]),
        as_sent(client, reverse("project-cost-plan", args=[project.pk]), {"plan-gpu_instance": "x9.huge"}),
    )
    assert plain.status_code == 200
    assert "“x9.huge” is not a GPU instance in the catalog, e.g. g5.xlarge." in plain.content.decode()
    assert stored() == before
    ok = client.post(
        reverse("project-cost-plan", args=[project.pk]),
        as_sent(client, reverse("project-cost-plan", args=[project.pk]), {"plan-staff_fte": "2"}),
    )
    assert ok.status_code == 302


# --- The API ----------------------------------------------------------------------------------


def test_the_api_reads_and_changes_the_plan_with_etags(api, project, people, catalog):
    engineer = api(people["engineer"])
    url = f"/api/v1/projects/{project.pk}/cost-plan/"
    read = engineer.get(url)
    assert read.status_code == 200
    body = read.json()
    assert body["plan"]["api_model"] is None
    assert body["in_force"]["api_model"] == "openai:gpt-4o-mini"
    assert body["in_force"]["utilisation_percent"] == "70"
    assert body["origins"]["api_model"] == "platform"

    changed = engineer.patch(
        url, {"api_model": "openai:gpt-4o", "utilisation_percent": 65}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["plan"]["utilisation_percent"] == "65"
    assert changed.json()["origins"]["api_model"] == "project"
    assert changed["ETag"] == engineer.get(url)["ETag"] != read["ETag"]
    assert latest(project).plan["utilisation_target"] == {"value": "0.650", "from": "project"}

    stale = engineer.patch(url, {"staff_fte": 3}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"utilisation_percent": 0}, "utilisation_percent", "Between 1 and 100 per cent."),
        ({"utilisation_percent": "many"}, "utilisation_percent", "A valid number is required."),
        (
            {"gpu_instance": "x9.huge"},
            "gpu_instance",
            "“x9.huge” is not a GPU instance in the catalog, e.g. g5.xlarge.",
        ),
        ({"api_model": "acme:unknown"}, "api_model", None),
        ({"hybrid_self_hosted_percent": 80, "hybrid_api_percent": 30}, "hybrid_api_percent", None),
        ({"colour": "blue"}, "colour", "Not a field of the cost plan."),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, project, people, catalog, body, field, message):
    before = stored()
    response = api(people["engineer"]).patch(f"/api/v1/projects/{project.pk}/cost-plan/", body, format="json")
    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]
    assert [item["field"] for item in fields] == [field]
    if message:
        assert fields[0]["message"] == message
    assert stored() == before


def test_api_permissions_and_other_tenants(api, project, people, catalog):
    url = f"/api/v1/projects/{project.pk}/cost-plan/"
    before = stored()
    assert api(people["viewer"]).get(url).status_code == 200
    assert api(people["viewer"]).patch(url, {"staff_fte": 2}, format="json").status_code == 403
    assert api(people["outsider"]).get(url).status_code == 404
    assert api(people["outsider"]).patch(url, {"staff_fte": 2}, format="json").status_code == 404
    assert api(people["engineer"], scopes=("read",)).patch(url, {"staff_fte": 2}, format="json").status_code == 403
    elsewhere = ProjectFactory(tenant=TenantFactory(slug="initech"))
    assert api(people["lead"]).get(f"/api/v1/projects/{elsewhere.pk}/cost-plan/").status_code == 404
    assert stored() == before
    assert api(people["lead"]).patch(url, {"staff_fte": 2}, format="json").status_code == 200


# --- A client's defaults ----------------------------------------------------------------------


def test_a_clients_defaults_follow_the_plans_rules_and_recalculate_its_projects(project, people, catalog):
    with pytest.raises(PermissionDenied):
        tenant_cost_defaults_update(tenant=project.tenant, actor=people["lead"], staff_fte="2")
    with pytest.raises(ValidationError) as error:
        tenant_cost_defaults_update(tenant=project.tenant, actor=people["platform"], utilisation_percent="0")
    assert error.value.message_dict == {"utilisation_percent": ["Between 1 and 100 per cent."]}
    with pytest.raises(ValidationError) as error:
        tenant_cost_defaults_update(tenant=project.tenant, actor=people["platform"], gpu_instance="x9.huge")
    assert list(error.value.message_dict) == ["gpu_instance"]
    assert not TenantCostDefaults.objects.exists()
    assert not Job.objects.exists()

    tenant_cost_defaults_update(tenant=project.tenant, actor=people["platform"], gpu_instance="p5.48xlarge")
    job = Job.objects.get()
    assert (job.kind, job.tenant, job.requested_by) == (Job.Kind.COST_DEFAULTS, project.tenant, people["platform"])
    assert AuditEvent.objects.get(action="tenant.cost_defaults_updated").after == {"gpu_instance": "p5.48xlarge"}
    _, in_force = cost_plan_of(project)
    assert (in_force.gpu_instance, in_force.origins["gpu_instance"]) == ("p5.48xlarge", "tenant")
