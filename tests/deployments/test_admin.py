"""The admin reads environments and routing rules; an environment edited there goes through the
service, so its rules, its permission check and the audit log apply."""

import json
from decimal import Decimal as D

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment, RoutingRule
from tests.deployments.factories import CustomerCloudEnvironmentFactory, RoutingRuleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def writes():
    """Audit events of changes: sign-ins (recorded on every test login) left out."""
    return AuditEvent.objects.exclude(action__startswith="auth.")


def url(model, view, *args):
    return reverse(f"admin:deployments_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def operator(client):
    user = UserFactory(username="operator", is_platform_admin=True, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def environment(project, people):
    return CustomerCloudEnvironmentFactory(
        project=project, access_approved_by=people["admin"], access_approved_at="2026-01-05T10:00:00Z"
    )


def posted(environment, **changes):
    data = {
        "kind": environment.kind,
        "site": environment.site,
        "provider": environment.provider,
        "account_id": environment.account_id,
        "regions": json.dumps(environment.regions),
        "residency_regions": json.dumps(environment.residency_regions),
        "access_pattern": environment.access_pattern,
        "network_isolation": environment.network_isolation,
        "change_process_reference": environment.change_process_reference,
    }
    return data | changes


def test_lists_render_in_constant_queries(client, operator, environment, django_assert_max_num_queries):
    RoutingRuleFactory.create_batch(5, share_percent=D("20"))
    for model in (CustomerCloudEnvironment, RoutingRule):
        with django_assert_max_num_queries(10):
            assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(CustomerCloudEnvironment, "change", environment.pk)).status_code == 200


def test_an_edit_goes_through_the_service_and_withdraws_the_sign_off(client, operator, environment):
    response = client.post(
        url(CustomerCloudEnvironment, "change", environment.pk), posted(environment, access_pattern="Vendor role")
    )
    assert response.status_code == 302
    environment.refresh_from_db()
    assert environment.access_pattern == "Vendor role"
    assert not environment.access_signed_off
    [event] = writes().all()
    assert (event.action, event.source, event.actor) == ("environment.updated", "admin", operator)
    assert event.after["sign_offs_withdrawn"] == ["access_pattern"]


def test_a_bad_value_is_shown_on_the_form_and_changes_nothing(client, operator, environment):
    response = client.post(
        url(CustomerCloudEnvironment, "change", environment.pk),
        posted(environment, regions=json.dumps(["eu-west-1", "EU-WEST-1"])),
    )
    assert response.status_code == 200
    assert "regions" in response.context["adminform"].form.errors
    environment.refresh_from_db()
    assert environment.regions == ["ap-southeast-1"]
    assert not writes().exists()


def test_the_admin_does_not_bypass_the_services_permission_check(client, environment):
    """A staff superuser who holds no Stagegate role in the tenant may not change its environment."""
    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    response = client.post(
        url(CustomerCloudEnvironment, "change", environment.pk), posted(environment, account_id="999999999999")
    )
    assert response.status_code == 403
    environment.refresh_from_db()
    assert environment.account_id == "123456789012"
    assert not writes().exists()


def test_sign_offs_cannot_be_given_in_the_admin(client, operator, environment, people):
    response = client.post(
        url(CustomerCloudEnvironment, "change", environment.pk),
        posted(environment, residency_confirmed_by=operator.pk, residency_confirmed_at="2026-01-01 00:00"),
    )
    assert response.status_code == 302
    environment.refresh_from_db()
    assert environment.residency_confirmed_by is None
    assert environment.access_approved_by == people["admin"]
    assert not writes().exists()


def test_environments_are_neither_added_nor_deleted_here(client, operator, environment):
    assert client.get(url(CustomerCloudEnvironment, "add")).status_code == 403
    assert client.post(url(CustomerCloudEnvironment, "delete", environment.pk), {"post": "yes"}).status_code == 403
    assert CustomerCloudEnvironment.objects.filter(pk=environment.pk).exists()


def test_routing_rules_are_read_only_here(client, operator):
    rule = RoutingRuleFactory()
    assert client.get(url(RoutingRule, "change", rule.pk)).status_code == 200
    response = client.post(
        url(RoutingRule, "change", rule.pk),
        {
            "position": 1,
            "condition_kind": "traffic",
            "traffic_condition": "other",
            "destination": "self_hosted",
            "share_percent": "100",
        },
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.destination == "cloud_api"
    assert client.get(url(RoutingRule, "add")).status_code == 403
    assert client.post(url(RoutingRule, "delete", rule.pk), {"post": "yes"}).status_code == 403
    assert not writes().exists()
