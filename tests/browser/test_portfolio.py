"""The dashboard and the project list in a real browser: filtering without reloading, keyboard use,
and a narrow screen."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from projects.services.approvals import approval_request_create
from tenancy.models import Role
from tests.factories import MembershipFactory, ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portfolio_data():
    tenant = TenantFactory(slug="lotus", name="Lotus Soy Drinks")
    lead = member(tenant, Role.DELIVERY_LEAD, username="lead")
    ProjectFactory(tenant=tenant, code="LOT-CAMP", name="Festival selfie campaign")
    waiting = ProjectFactory(tenant=tenant, code="LOT-SOCIAL", name="Social reply assistant")
    ProjectFactory(tenant=tenant, code="LOT-KYC", name="Document review", deployment_model="customer_cloud")
    approval_request_create(project=waiting, actor=lead)
    return tenant


def test_the_project_list_filters_as_you_type_without_reloading(page_as, portfolio_data):
    page = page_as("lead")
    expect(page.get_by_role("heading", name="Projects by stage")).to_be_visible()
    page.get_by_role("link", name="Projects", exact=True).click()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Search").fill("social")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Social reply assistant")
    assert "q=social" in page.url  # the filtered list has an address to share
    page.get_by_label("Search").fill("")
    page.get_by_label("Runs as").select_option(label="Customer cloud")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("LOT-KYC")
    assert page.evaluate("window.notReloaded") is True


def test_the_client_field_suggests_the_readers_clients_as_one_types(page_as, portfolio_data):
    lead = User.objects.get(username="lead")
    lomo = TenantFactory(slug="lomo", name="Lomography")
    MembershipFactory(tenant=lomo, user=lead, role=Role.DELIVERY_LEAD)
    ProjectFactory(tenant=lomo, code="LOMO-1", name="Film scanner")
    ProjectFactory(tenant=TenantFactory(slug="lotte", name="Lotte Secret"), code="LOTTE-1")
    page = page_as("lead")
    page.get_by_role("link", name="Projects", exact=True).click()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Client").fill("lo")
    suggestions = page.locator("#client-suggestions option")
    expect(suggestions).to_have_count(2)  # the lead's two clients, not the third that matches
    assert [option.get_attribute("value") for option in suggestions.all()] == ["Lomography", "Lotus Soy Drinks"]
    page.get_by_label("Client").fill("Lotus Soy Drinks")
    expect(rows).to_have_count(3)
    expect(page.locator("#results")).not_to_contain_text("LOMO-1")
    assert "tenant=Lotus%20Soy%20Drinks" in page.url
    assert page.evaluate("window.notReloaded") is True


def test_the_dashboard_works_from_the_keyboard_and_on_a_narrow_screen(page_as, portfolio_data):
    page = page_as("lead")
    page.set_viewport_size({"width": 390, "height": 844})
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    # The pending tile is a link; reach it with the keyboard and follow it.
    tile = page.get_by_role("link", name="1 waiting for approval")
    tile.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody tr").first).to_contain_text("LOT-SOCIAL")
    # Nothing on the narrow page is wider than the screen, except the table, which scrolls in its own box.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
