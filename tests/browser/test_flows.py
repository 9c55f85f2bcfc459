"""The main flow in a real browser (Debian's chromium, headless) against a live server.

A delivery lead creates a project, fills its profile, runs an assessment and requests a
promotion; the client approver approves from the inbox; the stage changes and the audit
timeline shows it. A viewer sees no edit controls; another tenant's user gets a 404.
"""

import re

import pytest
from playwright.sync_api import expect

from assessments.catalog import prices_import, reference_catalog_load
from projects.models import Project, Stage
from tenancy.models import Role
from tests.factories import TenantFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client_tenant():
    reference_catalog_load()
    prices_import(prices={"openai:gpt-4o-mini": (0.15, 0.075, 0.6)}, source="test")
    tenant = TenantFactory(slug="lotus", name="Lotus Soy Drinks")
    member(tenant, Role.DELIVERY_LEAD, username="lead")
    member(tenant, Role.CUSTOMER_APPROVER, username="lotus-approver")
    member(tenant, Role.CUSTOMER_VIEWER, username="lotus-viewer")
    other = TenantFactory(slug="meridian", name="Meridian Card")
    member(other, Role.CUSTOMER_APPROVER, username="meridian-approver")
    return tenant


def test_from_new_project_to_an_approved_promotion(page_as, live_server, client_tenant, worker_if_redis):
    lead = page_as("lead")
    lead.get_by_role("link", name="New project").click()
    lead.get_by_label("Client").select_option(label="Lotus Soy Drinks")
    lead.get_by_label("Name").fill("Festival card generator")
    lead.get_by_label("Code").fill("lower case")
    lead.get_by_role("button", name="Create project").click()
    expect(lead.locator("#id_code_error")).to_contain_text("capital letters")
    lead.get_by_label("Code").fill("LOT-FEST")
    lead.get_by_role("button", name="Create project").click()

    expect(lead.get_by_role("heading", name=re.compile("Requirements of Festival card generator"))).to_be_visible()
    lead.get_by_label("Monthly requests").fill("400000")
    lead.get_by_label("Peak-to-average ratio").fill("0.5")
    lead.get_by_role("button", name="Save requirements").click()
    expect(lead.locator("#id_peak_ratio_error")).to_be_visible()
    lead.get_by_label("Peak-to-average ratio").fill("4")
    lead.get_by_role("button", name="Save requirements").click()
    expect(lead.get_by_role("heading", name="Deployment card")).to_be_visible()

    lead.get_by_role("button", name="Run assessment and costs").click()
    expect(lead.get_by_text("Assessment and costs are up to date.")).to_be_visible(timeout=30_000)
    expect(lead.get_by_role("heading", name="Readiness")).to_be_visible()
    expect(lead.get_by_text("Data classified").first).to_be_visible()

    # The cost plan's form opens in place (loaded when asked for); a mistake is named on its field.
    costs = lead.locator("#costs")
    costs.get_by_text("Change the cost plan").click()
    costs.get_by_label("Target GPU utilisation (%)").fill("150")
    costs.get_by_role("button", name="Save the cost plan").click()
    expect(costs.locator("#id_plan-utilisation_percent_error")).to_contain_text("Between 1 and 100 per cent.")
    costs.get_by_label("Target GPU utilisation (%)").fill("60")
    costs.get_by_role("button", name="Save the cost plan").click()
    expect(costs).to_contain_text("Cost plan saved; the estimate below follows it.")
    expect(costs.locator(".cost-plan")).to_contain_text("Target GPU utilisation (%)60")

    lead.get_by_label("Note to approvers").fill("Ready for a proof of concept")
    lead.get_by_role("button", name="Request promotion").click()
    expect(lead.locator(".pending")).to_contain_text("Proof of concept")
    project = Project.objects.get(code="LOT-FEST")

    approver = page_as("lotus-approver")
    approver.get_by_role("link", name="Approval inbox").click()
    card = approver.locator(f"#request-{project.approval_requests.get().pk}")
    expect(card).to_contain_text("Festival card generator")
    card.get_by_role("button", name="Approve").click()
    expect(approver.get_by_text("You approved moving Festival card generator to Proof of concept.")).to_be_visible()
    expect(approver.get_by_text("Nothing is waiting for your decision.")).to_be_visible()

    project.refresh_from_db()
    assert project.stage == Stage.PROOF_OF_CONCEPT
    lead.reload()
    expect(lead.locator(".stage").first).to_have_text("Proof of concept")
    expect(lead.locator(".timeline")).to_contain_text("The project moved from Discovery to Proof of concept")


def test_the_deployment_cards_forms_open_in_place_and_add_evidence_and_a_ticket(page_as, live_server, client_tenant):
    """The card draws no form: opening "Add evidence" or "Link a ticket" loads it (htmx), and what is
    added there shows on the card."""
    from projects.services.projects import project_create

    project = project_create(tenant=client_tenant, name="Social replies", code="LOT-SOC")
    lead = page_as("lead")
    lead.goto(f"{live_server.url}/projects/{project.pk}/")
    evidence = lead.locator("details", has=lead.get_by_text("Add evidence", exact=True))
    evidence.get_by_text("Add evidence", exact=True).click()
    evidence.get_by_label("Title").fill("Claims case study")
    evidence.get_by_label("Web address").fill("https://example.com/claims")
    evidence.get_by_role("button", name="Add evidence").click()
    expect(lead.get_by_text("Evidence added: Claims case study.")).to_be_visible()
    expect(lead.get_by_role("link", name="Claims case study")).to_be_visible()

    ticket = lead.locator("details", has=lead.get_by_text("Link a ticket", exact=True))
    ticket.get_by_text("Link a ticket", exact=True).click()
    ticket.get_by_label("Ticket key").fill("OPS-7")
    ticket.get_by_role("button", name="Link ticket").click()
    expect(lead.get_by_text("Ticket linked:")).to_be_visible()
    assert list(project.tickets.values_list("key", flat=True)) == ["OPS-7"]


def test_a_viewer_sees_no_edit_controls_and_another_tenant_gets_404(page_as, live_server, client_tenant):
    from projects.services.projects import project_create

    project = project_create(tenant=client_tenant, name="Social replies", code="LOT-SOC")
    viewer = page_as("lotus-viewer")
    viewer.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(viewer.get_by_role("heading", name="Deployment card")).to_be_visible()
    expect(viewer.get_by_role("button", name="Run assessment and costs")).to_have_count(0)
    expect(viewer.get_by_role("button", name="Request promotion")).to_have_count(0)
    expect(viewer.get_by_role("link", name="Edit requirements")).to_have_count(0)
    expect(viewer.get_by_role("link", name="New project")).to_have_count(0)

    outsider = page_as("meridian-approver")
    response = outsider.goto(f"{live_server.url}/projects/{project.pk}/")
    assert response.status == 404
