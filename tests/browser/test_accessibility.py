"""Accessibility: axe-core, run in Chromium, finds no serious or critical violation on any main page,
and a project page works from the keyboard alone with the focus always in sight."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_main_page_has_a_serious_accessibility_violation(page_as, browser, live_server, demo_portfolio):
    project = demo_portfolio
    visits = {
        "lead": [
            "/",
            "/projects/",
            f"/projects/{project.pk}/",
            f"/projects/{project.pk}/requirements/",
            f"/projects/{project.pk}/cost-plan/",
            f"/projects/{project.pk}/checklist/data_classified/evidence/",
            "/requests/mine/",
            "/notifications/",
            "/me/settings/",
            "/no-such-page/",
        ],
        "lotus-approver": ["/inbox/", "/inbox/?tab=decided"],
        "lotus-admin": ["/settings/", "/settings/lotus/members/", f"/projects/{project.pk}/access/"],
        "admin": ["/catalog/", "/catalog/gpus/"],
    }
    found = {}
    for username, paths in visits.items():
        page = page_as(username)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            if violations := serious_violations(page):
                found[f"{username} {path}"] = violations
    visitor = browser.new_context().new_page()
    for path in ("/accounts/login/", "/no-such-page/"):
        visitor.goto(f"{live_server.url}{path}")
        if violations := serious_violations(visitor):
            found[f"visitor {path}"] = violations
    visitor.context.close()
    assert found == {}


#: What has the focus, and whether a ring shows it.
FOCUSED = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {
    name: ((el.labels && el.labels.length ? el.labels[0].innerText : el.innerText) || el.tagName)
      .trim().split('\\n')[0],
    ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def test_a_project_page_works_from_the_keyboard_with_the_focus_in_sight(page_as, live_server, demo_portfolio):
    lead = page_as("lead")
    lead.goto(f"{live_server.url}/projects/{demo_portfolio.pk}/")
    reached = []
    for _ in range(60):
        lead.keyboard.press("Tab")
        reached.append(lead.evaluate(FOCUSED))
        if reached[-1]["name"] == "Request promotion":
            break
    names = [stop["name"] for stop in reached]
    assert names[0] == "Skip to content"
    for action in ("Edit requirements", "Run assessment and costs", "Note to approvers", "Request promotion"):
        assert action in names, names
    assert [stop["name"] for stop in reached if not stop["ring"]] == []

    # Back to the assessment, and Enter runs it.
    lead.keyboard.press("Shift+Tab")
    lead.keyboard.press("Shift+Tab")
    assert lead.evaluate(FOCUSED)["name"] == "Run assessment and costs"
    lead.keyboard.press("Enter")
    expect(lead.locator("#job-area")).not_to_be_empty()


def test_the_check_itself_finds_serious_violations(browser, live_server):
    # Guards the test above: were axe not running, it would pass on any page.
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("document.querySelector('label[for=id_username]').remove()")
    # Pale text, styled through the DOM (the content security policy refuses a style attribute in markup).
    page.evaluate(
        "() => { const p = document.createElement('p'); p.textContent = 'Pale words';"
        " p.style.color = '#ccc'; document.querySelector('main').append(p); }"
    )
    found = " ".join(serious_violations(page))
    page.context.close()
    assert "label (critical)" in found
    assert "color-contrast (serious)" in found
