"""Granting and taking back rights on one project, in a real browser (Debian's chromium, headless).

A customer admin opens the project's access page from the project page, gives an outside engineer
the engineer role on this project alone (after a name of another client is refused like an unknown
one), and the engineer then reaches that project and no other; the admin takes the rights back
and the engineer gets a 404.
"""

import pytest
from playwright.sync_api import expect

from tenancy.models import Role
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_admin_grants_and_takes_back_one_project(page_as, live_server):
    tenant = TenantFactory(slug="lotus", name="Lotus Soy Drinks")
    member(tenant, Role.CUSTOMER_ADMIN, username="lotus-admin")
    member(TenantFactory(slug="meridian", name="Meridian Card"), Role.CUSTOMER_VIEWER, username="meridian-viewer")
    UserFactory(username="eng-ana", first_name="Ana", last_name="Silva")
    project = ProjectFactory(tenant=tenant, code="LOT-CAMP", name="Festival card generator")
    other = ProjectFactory(tenant=tenant, code="LOT-OTHER", name="Menu translator")

    admin = page_as("lotus-admin")
    admin.goto(f"{live_server.url}/projects/{project.pk}/")
    admin.get_by_role("link", name="Who has access").click()
    expect(admin.get_by_role("heading", name="Who can reach Festival card generator")).to_be_visible()
    expect(admin.locator("#access-list")).to_contain_text("Customer admin of the client, on all its projects")

    admin.get_by_label("Username or group name").fill("meridian-viewer")
    admin.get_by_label("Role").select_option(label="Engineer")
    admin.get_by_role("button", name="Give the rights").click()
    expect(admin.locator("#id_name_error")).to_contain_text("No person or group of that name")

    admin.get_by_label("Username or group name").fill("eng-ana")
    admin.get_by_label("Role").select_option(label="Engineer")
    admin.get_by_role("button", name="Give the rights").click()
    expect(admin.get_by_text("Ana Silva now has the engineer role on LOT-CAMP.")).to_be_visible()
    row = admin.locator("#access-user-eng-ana")
    expect(row).to_contain_text("given engineer on this project")
    expect(row).to_contain_text("See the project and change its technical details")

    engineer = page_as("eng-ana")
    engineer.goto(f"{live_server.url}/projects/")
    expect(engineer.get_by_text("Festival card generator")).to_be_visible()
    expect(engineer.get_by_text("Menu translator")).to_have_count(0)
    assert engineer.goto(f"{live_server.url}/projects/{other.pk}/").status == 404

    row.get_by_role("button", name="Take back").click()
    expect(admin.get_by_text("Ana Silva no longer has rights on LOT-CAMP through a grant.")).to_be_visible()
    expect(admin.locator("#access-user-eng-ana")).to_have_count(0)
    assert engineer.goto(f"{live_server.url}/projects/{project.pk}/").status == 404
