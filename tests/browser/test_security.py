"""No page breaks its own content security policy: no refused script, style or request."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def test_main_pages_raise_no_content_security_policy_violation(page_as, live_server):
    tenant = TenantFactory(slug="lotus", name="Lotus Soy Drinks")
    member(tenant, Role.DELIVERY_LEAD, username="lead")
    project = ProjectFactory(tenant=tenant, code="LOT-CAMP")
    page = page_as("lead")
    violations = []
    page.on(
        "console",
        lambda message: violations.append((page.url, message.text[:120])) if "Security Policy" in message.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    for path in ["/", f"/projects/{project.pk}/", "/inbox/", "/projects/new/", "/api/docs/", "/projects/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.get_by_label("Search").fill("nothing like it")
    expect(page.locator("#results")).to_contain_text("No projects match")
    assert violations == []
