"""No page breaks its own content security policy: no refused script, style or request."""

import pytest
from playwright.sync_api import expect

from tenancy.models import Role
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = (
    "document.addEventListener('securitypolicyviolation', e => console.error("
    "'Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
)


def visit(page, base, paths) -> list:
    """Open each path and return what the browser refused under the policy."""
    violations = []

    def note(message):
        if "Security Policy" in message.text:
            violations.append((page.url, message.text[:160]))

    page.on("console", note)
    page.add_init_script(WATCH)
    for path in paths:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
    return violations


def test_main_pages_raise_no_content_security_policy_violation(page_as, live_server):
    tenant = TenantFactory(slug="lotus", name="Lotus Soy Drinks")
    member(tenant, Role.DELIVERY_LEAD, username="lead")
    member(tenant, Role.CUSTOMER_ADMIN, username="lotus-admin")
    UserFactory(username="platform", is_platform_admin=True, is_staff=True, is_superuser=True)
    project = ProjectFactory(tenant=tenant, code="LOT-CAMP")

    lead = page_as("lead")
    pages = ["/", f"/projects/{project.pk}/", f"/projects/{project.pk}/edit/", f"/projects/{project.pk}/routing/"]
    violations = visit(lead, live_server.url, [*pages, "/inbox/", "/projects/new/", "/api/docs/", "/projects/"])
    lead.get_by_label("Search").fill("nothing like it")  # an htmx swap too
    expect(lead.locator("#results")).to_contain_text("No projects match")

    settings_pages = ["members", "policies", "policies/new", "freezes/new", "webhooks/new", "service-accounts"]
    violations += visit(page_as("lotus-admin"), live_server.url, [f"/settings/lotus/{p}/" for p in settings_pages])
    violations += visit(page_as("platform"), live_server.url, ["/catalog/", "/catalog/gpus/", "/admin/"])
    assert violations == []
