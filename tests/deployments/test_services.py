"""Deployment model switching, the customer-cloud environment, sign-offs and hybrid routing."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from deployments.models import CustomerCloudEnvironment, RoutingRule
from deployments.selectors import environment_for, routing_rules_for
from deployments.services import (
    deployment_model_switch,
    environment_sign_off,
    environment_update,
    routing_rules_replace,
)
from projects.models import DeploymentModel, HostingApproach, Project, RequirementsProfile

pytestmark = pytest.mark.django_db

ENVIRONMENT = {
    "provider": "aws",
    "account_id": "1234-5678-9012",
    "regions": ["ap-southeast-1"],
    "access_pattern": "Client IAM role via SSO",
    "network_isolation": "private_endpoints",
}
SPLIT = [
    {"condition_kind": "data_class", "data_class": "regulated", "destination": "self_hosted", "share_percent": D("70")},
    {
        "condition_kind": "traffic",
        "traffic_condition": "other",
        "destination": "cloud_api",
        "api_model": "openai:gpt-4o-mini",
        "share_percent": D("30"),
    },
]


def state(project):
    project.refresh_from_db()
    return (
        project.deployment_model,
        list(CustomerCloudEnvironment.objects.values()),
        list(RoutingRule.objects.values()),
        AuditEvent.objects.count(),
    )


def refused(project, call, exception=ValidationError, fields=()):
    before = state(project)
    with pytest.raises(exception) as error:
        call()
    for field in fields:
        assert field in error.value.message_dict, error.value
    assert state(project) == before
    return error.value


def test_switch_to_customer_cloud_with_its_environment_is_one_event(project, people):
    deployment_model_switch(
        project=project, actor=people["lead"], deployment_model="customer_cloud", environment=ENVIRONMENT
    )
    project.refresh_from_db()
    assert project.deployment_model == DeploymentModel.CUSTOMER_CLOUD
    assert project.environment.account_id == "1234-5678-9012"
    event = AuditEvent.objects.get()
    assert event.action == "project.deployment_model_changed"
    assert event.before["deployment_model"] == "managed_application"
    assert event.after["environment"]["regions"] == ["ap-southeast-1"]


def test_switch_needs_every_required_fact_and_changes_nothing_without(project, people):
    error = refused(
        project,
        lambda: deployment_model_switch(
            project=project, actor=people["lead"], deployment_model="customer_cloud", environment={"provider": "aws"}
        ),
        fields=("account_id", "regions", "access_pattern"),
    )
    assert "provider" not in error.message_dict


def test_strict_residency_also_needs_residency_regions(project, people):
    RequirementsProfile.objects.filter(project=project).update(residency="strict", residency_region="Thailand")
    refused(
        project,
        lambda: deployment_model_switch(
            project=project, actor=people["lead"], deployment_model="customer_cloud", environment=ENVIRONMENT
        ),
        fields=("residency_regions",),
    )
    deployment_model_switch(
        project=project,
        actor=people["lead"],
        deployment_model="customer_cloud",
        environment={**ENVIRONMENT, "residency_regions": ["Thailand"]},
    )


def test_switching_back_keeps_the_environment_as_history(project, people):
    deployment_model_switch(
        project=project, actor=people["lead"], deployment_model="customer_cloud", environment=ENVIRONMENT
    )
    deployment_model_switch(project=project, actor=people["lead"], deployment_model="managed_application")
    project.refresh_from_db()
    assert project.deployment_model == DeploymentModel.MANAGED_APPLICATION
    assert CustomerCloudEnvironment.objects.filter(project=project).exists()
    assert AuditEvent.objects.filter(action="project.deployment_model_changed").count() == 2
    # Same model again: nothing to record.
    deployment_model_switch(project=project, actor=people["lead"], deployment_model="managed_application")
    assert AuditEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"regions": "ap-southeast-1"}, "regions"),
        ({"regions": ["eu-west-1", "eu-west-1"]}, "regions"),
        ({"regions": [" "]}, "regions"),
        ({"provider": "ibm"}, "provider"),
        ({"network_isolation": "vpn"}, "network_isolation"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_environment_facts_name_the_field(project, people, fields, error_field):
    refused(
        project, lambda: environment_update(project=project, actor=people["engineer"], **fields), fields=(error_field,)
    )


@pytest.mark.parametrize("who", ["engineer", "approver", "viewer", "outsider", "admin"])
def test_only_leads_switch_the_deployment_model(project, people, who):
    refused(
        project,
        lambda: deployment_model_switch(
            project=project, actor=people[who], deployment_model="customer_cloud", environment=ENVIRONMENT
        ),
        exception=PermissionDenied,
    )


def test_engineers_edit_the_environment_but_viewers_do_not(project, people):
    environment_update(project=project, actor=people["engineer"], **ENVIRONMENT)
    assert AuditEvent.objects.filter(action="environment.updated").count() == 1
    refused(
        project,
        lambda: environment_update(project=project, actor=people["viewer"], account_id="x"),
        exception=PermissionDenied,
    )


def test_sign_offs_by_the_client_and_withdrawn_when_their_facts_change(project, people):
    environment_update(project=project, actor=people["lead"], **ENVIRONMENT, residency_regions=["Singapore"])
    for who in ("lead", "engineer", "viewer"):
        refused(
            project,
            lambda who=who: environment_sign_off(project=project, actor=people[who], kind="access_pattern"),
            exception=PermissionDenied,
        )
    environment_sign_off(project=project, actor=people["admin"], kind="access_pattern")
    environment_sign_off(project=project, actor=people["approver"], kind="data_residency")
    environment = CustomerCloudEnvironment.objects.get(project=project)
    assert environment.access_approved_by == people["admin"]
    assert environment.residency_confirmed_by == people["approver"]
    assert environment.missing_facts(strict_residency=True) == []

    environment_update(project=project, actor=people["engineer"], access_pattern="Break-glass role for vendor")
    environment.refresh_from_db()
    assert not environment.access_signed_off
    assert environment.residency_signed_off
    event = AuditEvent.objects.filter(action="environment.updated").latest("pk")
    assert event.after["sign_offs_withdrawn"] == ["access_pattern"]


def test_a_sign_off_needs_the_facts_it_signs(project, people):
    environment_update(project=project, actor=people["lead"], provider="aws")
    refused(
        project,
        lambda: environment_sign_off(project=project, actor=people["admin"], kind="access_pattern"),
        fields=("access_pattern",),
    )
    refused(
        project,
        lambda: environment_sign_off(project=project, actor=people["admin"], kind="data_residency"),
        fields=("residency_regions",),
    )
    refused(
        project, lambda: environment_sign_off(project=project, actor=people["admin"], kind="budget"), fields=("kind",)
    )


def hybrid(project):
    Project.objects.filter(pk=project.pk).update(hosting_approach=HostingApproach.HYBRID)
    project.refresh_from_db()
    return project


def test_routing_rules_replace_in_order_with_one_event(project, people):
    hybrid(project)
    rules = routing_rules_replace(project=project, actor=people["engineer"], rules=SPLIT)
    assert [(rule.position, rule.destination) for rule in rules] == [(1, "self_hosted"), (2, "cloud_api")]
    assert AuditEvent.objects.get().action == "routing.replaced"
    routing_rules_replace(project=project, actor=people["engineer"], rules=SPLIT)
    assert AuditEvent.objects.count() == 1, "the same rules again change nothing"
    routing_rules_replace(project=project, actor=people["engineer"], rules=[])
    assert not RoutingRule.objects.exists()


def test_shares_must_add_up_to_100(project, people):
    hybrid(project)
    uneven = [{**SPLIT[0], "share_percent": D("69.5")}, SPLIT[1]]
    error = refused(
        project, lambda: routing_rules_replace(project=project, actor=people["lead"], rules=uneven), fields=("rules",)
    )
    assert "99.5%" in str(error)


@pytest.mark.parametrize(
    ("change", "error_field"),
    [
        ({"api_model": ""}, "rules[1].api_model"),
        ({"traffic_condition": ""}, "rules[1].traffic_condition"),
        ({"data_class": "secret"}, "rules[1].data_class"),
        ({"share_percent": D("0")}, "rules[1].share_percent"),
        ({"destination": "moon"}, "rules[1].destination"),
        ({"speed": "fast"}, "rules[1].speed"),
    ],
)
def test_each_bad_rule_names_its_index_and_field(project, people, change, error_field):
    hybrid(project)
    rules = [SPLIT[0], {**SPLIT[1], **change}]
    refused(
        project,
        lambda: routing_rules_replace(project=project, actor=people["lead"], rules=rules),
        fields=(error_field,),
    )


def test_routing_only_for_hybrid_and_not_for_viewers(project, people):
    refused(
        project,
        lambda: routing_rules_replace(project=project, actor=people["lead"], rules=SPLIT),
        fields=("hosting_approach",),
    )
    hybrid(project)
    refused(
        project,
        lambda: routing_rules_replace(project=project, actor=people["viewer"], rules=SPLIT),
        exception=PermissionDenied,
    )


def test_selectors_show_nothing_to_another_tenant(project, people, django_assert_num_queries):
    hybrid(project)
    environment_update(project=project, actor=people["lead"], **ENVIRONMENT)
    routing_rules_replace(project=project, actor=people["lead"], rules=SPLIT)
    with django_assert_num_queries(1):
        assert len(routing_rules_for(user=people["viewer"], project=project)) == 2
    assert environment_for(user=people["viewer"], project=project).account_id == "1234-5678-9012"
    assert routing_rules_for(user=people["outsider"], project=project) == []
    assert environment_for(user=people["outsider"], project=project) is None
