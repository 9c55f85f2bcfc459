"""The portfolio dashboard and the project list: figures, charts, filters, search and pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.catalog import prices_import
from assessments.models import CostEstimate
from assessments.services.assessments import assessments_run
from assessments.services.estimates import estimates_recalculate
from core.figures import usd
from projects.charts import stacked_bars
from projects.models import DeploymentModel, Project, RequirementsProfile, Stage
from projects.services.approvals import approval_request_create
from projects.services.projects import ticket_link
from projects.services.stages import project_pause
from tenancy.models import Role
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db


def test_stacked_bars_scale_to_the_widest_row_and_leave_out_empty_segments():
    bars = stacked_bars(
        [("a", "A", {"x": 3, "y": 1}), ("b", "B", {"x": 0, "y": 2}), ("c", "C", {})],
        [("x", "Ex"), ("y", "Why")],
    )
    assert [(bar.key, bar.total) for bar in bars] == [("a", 4), ("b", 2), ("c", 0)]
    assert [(s.key, s.x, s.width) for s in bars[0].segments] == [("x", 0.0, 75.0), ("y", 75.0, 25.0)]
    assert [(s.key, s.x, s.width) for s in bars[1].segments] == [("y", 0.0, 50.0)]
    assert bars[2].segments == []
    assert stacked_bars([], [("x", "Ex")]) == []


def test_dashboard_counts_stages_readiness_costs_and_pending_requests(client, tenant, people, project):
    prices_import()
    cloud = ProjectFactory(tenant=tenant, deployment_model=DeploymentModel.CUSTOMER_CLOUD)
    paused = ProjectFactory(tenant=tenant)
    RequirementsProfile.objects.filter(project__in=[project, cloud]).update(monthly_requests=2_000_000)
    project_pause(project=paused, actor=people["lead"], reason="Budget review")
    estimates_recalculate([project.pk, cloud.pk])
    assessments_run([project.pk])
    approval_request_create(project=project, actor=people["lead"])
    ProjectFactory(tenant=TenantFactory(name="Elsewhere"), name="Not ours")

    client.force_login(people["approver"])
    response = client.get(reverse("home"))

    figures = response.context["portfolio"]
    assert figures.projects == 3
    assert figures.by_stage_and_model[Stage.DISCOVERY] == {"managed_application": 1, "customer_cloud": 1}
    assert figures.by_stage_and_model[Stage.PAUSED] == {"managed_application": 1, "customer_cloud": 0}
    assessed = project.standing.readiness_status
    assert figures.by_readiness[assessed] == 1
    assert figures.by_readiness["not_assessed"] == 2
    expected = sum(CostEstimate.objects.filter(tenant=tenant).values_list("chosen_monthly", flat=True), Decimal(0))
    assert figures.monthly_total == expected > 0
    assert figures.estimated_projects == 2
    assert figures.monthly_by_client == [("acme", "Acme", expected)]
    assert figures.pending_total == 1
    assert [r.project for r in figures.pending_oldest] == [project]
    assert response.context["waiting_for_me"] == 1
    body = response.content.decode()
    assert "Projects by stage" in body
    assert "Readiness for the next stage" in body
    assert "Monthly cost by client" in body
    assert usd(expected) in body
    assert "Not ours" not in body
    assert "Elsewhere" not in body


def test_a_client_dashboard_leaves_out_other_clients(client, tenant, people, project):
    other = TenantFactory(name="Globex Two")
    ProjectFactory(tenant=other)
    client.force_login(people["platform"])
    response = client.get(reverse("tenant-detail", args=[tenant.slug]))
    assert response.context["portfolio"].projects == 1
    assert "Monthly cost by client" not in response.content.decode()
    assert client.get(reverse("home")).context["portfolio"].projects == 2


def codes(client, query=""):
    response = client.get(f"{reverse('project-list')}?{query}")
    assert response.status_code == 200
    found = [p.code for p in response.context["page"].object_list]
    return found if "sort=" in query else sorted(found)


def test_project_list_filters_and_searches(client, tenant, people, project):
    prices_import()
    cloud = ProjectFactory(tenant=tenant, code="CLOUD-1", name="Claims reader", deployment_model="customer_cloud")
    waiting = ProjectFactory(tenant=tenant, code="WAIT-1", name="Waiting one")
    approval_request_create(project=waiting, actor=people["lead"])
    ticket_link(project=cloud, actor=people["lead"], system="jira", key="AI-77")
    RequirementsProfile.objects.filter(project=project).update(monthly_requests=1_000_000)
    estimates_recalculate([project.pk])
    assessments_run([project.pk])
    status = Project.objects.get(pk=project.pk).standing.readiness_status
    member(TenantFactory(slug="other"), Role.DELIVERY_LEAD)
    client.force_login(people["viewer"])

    assert codes(client) == ["ACME-1", "CLOUD-1", "WAIT-1"]
    assert codes(client, "q=claims") == ["CLOUD-1"]
    assert codes(client, "q=ai-77") == ["CLOUD-1"]
    assert codes(client, "q=acme-") == ["ACME-1"]
    assert codes(client, "deployment_model=customer_cloud") == ["CLOUD-1"]
    assert codes(client, "pending=true") == ["WAIT-1"]
    assert codes(client, "pending=false") == ["ACME-1", "CLOUD-1"]
    assert codes(client, f"readiness={status}") == ["ACME-1"]
    assert codes(client, "readiness=not_assessed") == ["CLOUD-1", "WAIT-1"]
    assert codes(client, "tenant=acme&stage=discovery") == ["ACME-1", "CLOUD-1", "WAIT-1"]
    assert codes(client, "sort=-code") == ["WAIT-1", "CLOUD-1", "ACME-1"]
    assert codes(client, "sort=-monthly_cost")[0] == "ACME-1"


def test_a_bad_filter_names_the_field_and_shows_nothing(client, people, project):
    client.force_login(people["viewer"])
    response = client.get(f"{reverse('project-list')}?stage=moon&tenant=other")
    assert list(response.context["page"].object_list) == []
    errors = response.context["filters"].form.errors
    assert set(errors) == {"stage", "tenant"}
    assert "Select a valid choice" in response.content.decode()


def test_project_list_pages_and_answers_htmx_with_the_results_only(client, tenant, people):
    ProjectFactory.create_batch(30, tenant=tenant)
    client.force_login(people["viewer"])
    first = client.get(reverse("project-list"))
    assert len(first.context["page"].object_list) == 25
    assert "page 1 of 2" in first.content.decode()
    second = client.get(f"{reverse('project-list')}?stage=discovery&page=2")
    assert len(second.context["page"].object_list) == 5
    assert 'href="?stage=discovery&amp;page=1"' in second.content.decode()

    partial = client.get(f"{reverse('project-list')}?q=Project", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = partial.content.decode()
    assert "<html" not in body
    assert '<table class="cards">' in body
    assert "30 projects" in body


@pytest.mark.parametrize(
    ("url", "current"),
    [("/", "Portfolio"), ("/projects/", "Projects"), ("/inbox/", "Approval inbox"), ("/projects/new/", "New project")],
)
def test_the_navigation_marks_the_current_section(client, people, project, url, current):
    client.force_login(people["lead"])
    body = client.get(url).content.decode()
    assert body.count('aria-current="page"') == 1
    assert f'aria-current="page">{current}</a>' in body


def test_inside_a_section_the_navigation_marks_it_current_but_not_as_the_page(client, people, project):
    client.force_login(people["lead"])
    body = client.get(f"/projects/{project.pk}/").content.decode()
    assert 'aria-current="true">Projects</a>' in body
    assert 'aria-current="page"' not in body
