"""A phone-width walk (375 px) of the pages a delivery lead and an approver open most: nothing scrolls
the page sideways, a project's stage and readiness stay in sight, tables become stacked cards and the
charts keep text a person can read."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 812}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
#: The smallest text a chart may show on a phone, in CSS pixels.
READABLE_PX = 11

#: Each text of the shown cost chart drawing, as the screen draws it: its font size scaled by the
#: drawing's width on the screen over its width in SVG units.
CHART_TEXT_PX = """() => {
  const svg = [...document.querySelectorAll('.cost-chart svg[role=img]')]
    .find(s => s.getBoundingClientRect().width > 0);
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
}"""


def on_phone(page_as, username):
    page = page_as(username)
    page.set_viewport_size(PHONE)
    return page


def assert_inside_the_screen(locator):
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= PHONE["width"], box


def test_a_phone_walk_of_the_dashboard_the_list_a_project_and_the_inbox(page_as, live_server, demo_portfolio):
    lead = on_phone(page_as, "lead")

    expect(lead.get_by_role("heading", name="Projects by stage")).to_be_visible()
    expect(lead.get_by_role("heading", name="Readiness for the next stage")).to_be_visible()
    assert lead.evaluate(SIDEWAYS) <= 0
    # The navigation wraps onto lines of its own instead of running off the screen.
    for link in lead.get_by_role("navigation", name="Main").get_by_role("link").all():
        assert_inside_the_screen(link)
    bar_text = lead.locator(".bar-row dt").first.evaluate("dt => parseFloat(getComputedStyle(dt).fontSize)")
    assert bar_text >= READABLE_PX

    lead.get_by_role("link", name="Projects", exact=True).click()
    card = lead.locator("#results tbody tr").first
    expect(card).to_be_visible()
    assert lead.evaluate(SIDEWAYS) <= 0
    # Each row is a card; the column headings are left to screen readers, each cell names its column.
    assert lead.locator("#results thead").bounding_box()["width"] <= 1
    for cell in (card.locator(".stage"), card.locator('td[data-label="Readiness"]'), card.get_by_role("link").first):
        expect(cell).to_be_visible()
        assert_inside_the_screen(cell)
    label = card.locator('td[data-label="Stage"]').evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Stage"'

    lead.goto(f"{live_server.url}/projects/{demo_portfolio.pk}/")
    expect(lead.get_by_role("heading", name="Deployment card")).to_be_visible()
    assert lead.evaluate(SIDEWAYS) <= 0
    facts = lead.locator(".card .facts").first
    for fact in ("Stage", "Readiness"):
        expect(facts.get_by_text(fact, exact=True)).to_be_visible()
    expect(facts.locator(".stage")).to_be_visible()
    assert_inside_the_screen(facts.locator(".stage"))
    # The chart shown is the narrow drawing, its smallest text still readable.
    expect(lead.locator(".cost-chart svg.cost-chart-narrow")).to_be_visible()
    expect(lead.locator(".cost-chart svg.cost-chart-wide")).to_be_hidden()
    assert min(lead.evaluate(CHART_TEXT_PX)) >= READABLE_PX
    lead.get_by_text("The numbers behind the chart").click()
    assert lead.evaluate(SIDEWAYS) <= 0

    approver = on_phone(page_as, "lotus-approver")
    approver.get_by_role("link", name="Approval inbox").click()
    request = approver.locator(".inbox > li").first
    expect(request).to_be_visible()
    expect(request.get_by_text("Readiness", exact=True)).to_be_visible()
    expect(request.get_by_role("button", name="Approve")).to_be_visible()
    assert_inside_the_screen(request.get_by_role("button", name="Approve"))
    assert approver.evaluate(SIDEWAYS) <= 0


def test_on_a_wide_screen_the_list_stays_a_table_and_the_chart_the_wide_drawing(page_as, live_server, demo_portfolio):
    lead = page_as("lead")  # 1,280 px
    lead.goto(f"{live_server.url}/projects/")
    expect(lead.locator("#results thead th").first).to_be_visible()
    lead.goto(f"{live_server.url}/projects/{demo_portfolio.pk}/")
    expect(lead.locator(".cost-chart svg.cost-chart-wide")).to_be_visible()
    expect(lead.locator(".cost-chart svg.cost-chart-narrow")).to_be_hidden()
    assert min(lead.evaluate(CHART_TEXT_PX)) >= 12
