"""Hybrid routing rules in a real browser on a phone-sized screen: rows added with htmx, the shares'
total refused until it is 100%, then saved."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from deployments.models import RoutingRule
from projects.models import HostingApproach
from tenancy.models import Role
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def test_routing_rules_in_the_browser_with_htmx(page_as, live_server, tenant):
    member(tenant, Role.DELIVERY_LEAD, username="lead")
    project = ProjectFactory(tenant=tenant, code="ACME-9", hosting_approach=HostingApproach.HYBRID)
    lead = page_as("lead")
    lead.set_viewport_size({"width": 360, "height": 800})  # a phone: the rows stack
    lead.goto(f"{live_server.url}{reverse('project-detail', args=[project.pk])}")
    lead.get_by_role("link", name="Edit routing rules").click()

    for number in (3, 4):  # two empty rows come with the page
        lead.get_by_role("button", name="Add a rule").click()
        expect(lead.get_by_role("group", name=f"Rule {number}")).to_be_visible()
    expect(lead.locator("#id_rules-3-condition_kind")).to_be_focused()
    expect(lead.locator("#id_rules-TOTAL_FORMS")).to_have_value("4")

    first, fourth = lead.get_by_role("group", name="Rule 1"), lead.get_by_role("group", name="Rule 4")
    first.get_by_label("Rule applies to").select_option(label="Data class")
    first.get_by_label("Data class").select_option(label="Regulated")
    first.get_by_label("Goes to").select_option(label="Self-hosted models")
    first.get_by_label("Share of traffic (%)").fill("60")
    fourth.get_by_label("Rule applies to").select_option(label="Traffic condition")
    fourth.get_by_label("Traffic condition").select_option(label="All other traffic")
    fourth.get_by_label("Goes to").select_option(label="Cloud API")
    fourth.get_by_label("Cloud API model").fill("openai:gpt-4o-mini")
    fourth.get_by_label("Share of traffic (%)").fill("30")
    lead.get_by_role("button", name="Save routing rules").click()

    expect(lead.locator("#rules-errors")).to_contain_text("these add up to 90%")
    assert not RoutingRule.objects.exists()
    lead.get_by_role("group", name="Rule 4").get_by_label("Share of traffic (%)").fill("40")
    lead.get_by_role("button", name="Save routing rules").click()

    expect(lead.get_by_text("Routing rules saved.")).to_be_visible()
    expect(lead.locator(".rules-list li")).to_have_count(2)
    assert [rule.share_percent for rule in RoutingRule.objects.order_by("position")] == [D("60"), D("40")]
