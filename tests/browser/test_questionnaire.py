"""The requirements questionnaire in a real browser (issue 17): a new delivery lead answers it with
typing and clicks only, checkboxes included; the side panel shows what the answers rule in or out
as they change; a refused figure is named with its rule; the saved answers show on the project page."""

import re

import pytest
from playwright.sync_api import expect

from projects.models import Project
from tenancy.models import Role
from tests.factories import TenantFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lotus():
    tenant = TenantFactory(slug="lotus", name="Lotus Soy Drinks", regulations=["pdpa_th"], residency_region="Thailand")
    member(tenant, Role.DELIVERY_LEAD, username="lead")
    return tenant


def test_a_new_lead_answers_the_questionnaire_and_sees_the_consequences(page_as, live_server, lotus):
    lead = page_as("lead")
    lead.get_by_role("link", name="New project").click()
    lead.get_by_label("Name").fill("Plant floor assistant")
    lead.get_by_label("Code").fill("LOT-FLOOR")
    lead.get_by_role("button", name="Create project").click()
    expect(lead.get_by_role("heading", name=re.compile("Requirements of Plant floor assistant"))).to_be_visible()
    for legend in ("The data", "The traffic", "Latency and connectivity", "The model work", "The team"):
        expect(lead.get_by_role("group", name=legend, exact=True)).to_be_visible()

    cloud_api = lead.locator("#consequence-hosting-cloud_api")
    expect(cloud_api).to_contain_text("of 100")  # the panel has the saved answers' consequences
    expect(cloud_api).not_to_contain_text("ruled out")

    # The data: radio buttons and checkboxes, clicked.
    lead.get_by_label("Confidential: harmful if it leaks").check()
    lead.get_by_label("Personal data").check()
    lead.get_by_label("Financial data").check()
    lead.get_by_label("PDPA (Thailand)").check()
    expect(lead.get_by_text("Lotus Soy Drinks works under PDPA (Thailand).")).to_be_visible()

    # The traffic: typed.
    requests = lead.get_by_label("Monthly requests")
    requests.press("Control+a")  # over the 0 a new project starts with
    requests.press_sequentially("300000")
    lead.get_by_label("Spiky: bursts well above the average").check()
    lead.get_by_label("Peak-to-average ratio").fill("25")
    expect(lead.locator("#consequence-warnings")).to_contain_text("Peaks 25 times the average")

    # Offline at the site: the panel rules out the cloud API, and says why.
    lead.get_by_label("Offline or air-gapped").check()
    expect(cloud_api).to_contain_text("ruled out")
    expect(cloud_api).to_contain_text("offline or air-gapped")
    expect(lead.locator("#consequence-hosting-on_premises")).not_to_contain_text("ruled out")
    lead.get_by_role("group", name="MLOps skills").get_by_label("Some").check()
    lead.get_by_role("group", name="GPU and hardware operations skills").get_by_label("Mature").check()

    # An implausible figure is refused with its rule, and nothing is saved.
    lead.get_by_label("Output tokens per request").fill("500000")
    expect(lead.locator("#consequence-errors")).to_contain_text("Output tokens per request")
    lead.get_by_role("button", name="Save requirements").click()
    expect(lead.locator("#id_avg_output_tokens_error")).to_contain_text("No model writes more than about 128,000")
    project = Project.objects.get(code="LOT-FLOOR")
    assert project.profile.connectivity == "online"
    expect(lead.get_by_label("Financial data")).to_be_checked()  # the answers given are kept

    lead.get_by_label("Output tokens per request").fill("600")
    lead.get_by_role("button", name="Save requirements").click()
    answers = lead.locator("#requirements")
    expect(answers).to_contain_text("Offline or air-gapped")
    expect(answers).to_contain_text("Personal data, Financial data")
    expect(answers).to_contain_text("PDPA (Thailand)")
    expect(answers).to_contain_text("300,000")
    expect(lead.locator("#requirement-warnings")).to_contain_text("Peaks 25 times the average")
    project.profile.refresh_from_db()
    assert (project.profile.connectivity, project.profile.data_categories, project.profile.avg_output_tokens) == (
        "offline",
        ["personal", "financial"],
        600,
    )
