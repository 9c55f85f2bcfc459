"""Who sees a project's environment and routing rules: exactly those who see the project, in one query."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import AnonymousUser

from deployments.selectors import environment_for, routing_rules_for
from projects.services.projects import project_access_grant
from tenancy.models import Membership, Role
from tests.deployments.factories import CustomerCloudEnvironmentFactory, RoutingRuleFactory
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

EVERYONE_IN_THE_TENANT = ["lead", "engineer", "admin", "approver", "viewer", "platform"]


@pytest.fixture
def routed(project):
    """The project made hybrid with a three-rule split and a signed-off environment."""
    project.hosting_approach = "hybrid"
    project.save(update_fields=["hosting_approach"])
    for position, share in ((1, D("50")), (2, D("30")), (3, D("20"))):
        RoutingRuleFactory(project=project, position=position, share_percent=share)
    return project


@pytest.fixture
def environment(project, people):
    return CustomerCloudEnvironmentFactory(
        project=project,
        access_approved_by=people["admin"],
        access_approved_at="2026-01-05T10:00:00Z",
        residency_confirmed_by=people["approver"],
        residency_confirmed_at="2026-01-06T10:00:00Z",
    )


@pytest.mark.parametrize("who", EVERYONE_IN_THE_TENANT)
def test_everyone_who_sees_the_project_sees_its_rules_in_order_in_one_query(
    routed, people, who, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rules = routing_rules_for(user=people[who], project=routed)
        assert [(rule.position, rule.share_percent) for rule in rules] == [(1, 50), (2, 30), (3, 20)]


@pytest.mark.parametrize("who", EVERYONE_IN_THE_TENANT)
def test_everyone_who_sees_the_project_sees_its_environment_and_signers_in_one_query(
    environment, people, who, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = environment_for(user=people[who], project=environment.project)
        assert found == environment
        assert (found.access_approved_by.username, found.residency_confirmed_by.username) == ("cadmin", "approver")


def test_another_tenants_user_sees_nothing(routed, environment, people, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert routing_rules_for(user=people["outsider"], project=routed) == []
        assert environment_for(user=people["outsider"], project=routed) is None


def test_nobody_signed_in_sees_nothing(routed, environment, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert routing_rules_for(user=AnonymousUser(), project=routed) == []
        assert environment_for(user=AnonymousUser(), project=routed) is None


def test_an_inactive_member_sees_nothing(routed, environment, people):
    people["viewer"].is_active = False
    people["viewer"].save(update_fields=["is_active"])
    assert routing_rules_for(user=people["viewer"], project=routed) == []
    assert environment_for(user=people["viewer"], project=routed) is None


def test_a_narrowed_member_sees_only_the_projects_granted_to_them(routed, environment, people):
    Membership.objects.filter(user=people["engineer"]).update(all_projects=False)
    assert routing_rules_for(user=people["engineer"], project=routed) == []
    assert environment_for(user=people["engineer"], project=routed) is None
    project_access_grant(project=routed, user=people["engineer"], role=Role.ENGINEER)
    assert len(routing_rules_for(user=people["engineer"], project=routed)) == 3
    assert environment_for(user=people["engineer"], project=routed) == environment


def test_only_the_projects_own_rows_are_returned(routed, environment, people, tenant):
    sibling = ProjectFactory(tenant=tenant, hosting_approach="hybrid")
    RoutingRuleFactory(project=sibling, position=1)
    CustomerCloudEnvironmentFactory(project=sibling, account_id="000000000000")
    assert {rule.project_id for rule in routing_rules_for(user=people["viewer"], project=routed)} == {routed.pk}
    assert environment_for(user=people["viewer"], project=routed).account_id == "123456789012"
    assert environment_for(user=people["viewer"], project=ProjectFactory(tenant=tenant)) is None
