"""Deployment model switching, the customer-cloud environment, sign-offs and hybrid routing.

Every refused call is checked to have changed nothing: not the project, the environment, the
rules, nor the audit log.
"""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import User
from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment, RoutingRule
from deployments.services import (
    deployment_model_switch,
    environment_sign_off,
    environment_update,
    routing_rules_replace,
)
from projects.models import DeploymentModel, HostingApproach, Project, RequirementsProfile
from projects.services.projects import project_access_grant
from tenancy.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory

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
    """Run ``call``, expect ``exception`` naming exactly ``fields`` (when given), and no change at all."""
    before = state(project)
    with pytest.raises(exception) as error:
        call()
    if fields:
        assert set(error.value.message_dict) == set(fields), error.value
    assert state(project) == before
    return error.value


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def hybrid(project):
    Project.objects.filter(pk=project.pk).update(hosting_approach=HostingApproach.HYBRID)
    project.refresh_from_db()
    return project


def signed_environment(project, people):
    environment_update(project=project, actor=people["lead"], **ENVIRONMENT, residency_regions=["Singapore"])
    environment_sign_off(project=project, actor=people["admin"], kind="access_pattern")
    environment_sign_off(project=project, actor=people["approver"], kind="data_residency")
    return CustomerCloudEnvironment.objects.get(project=project)


# The environment ---------------------------------------------------------------------------


def test_the_first_update_creates_the_environment_with_one_event(project, people):
    environment = environment_update(project=project, actor=people["engineer"], **ENVIRONMENT)
    assert environment.pk is not None
    assert environment.tenant_id == project.tenant_id
    [event] = AuditEvent.objects.all()
    assert (event.action, event.object_type, event.project_id) == (
        "environment.updated",
        "deployments.customercloudenvironment",
        project.pk,
    )
    assert event.after == ENVIRONMENT, "only the facts given, not the untouched defaults"
    assert event.before == {
        "provider": "",
        "account_id": "",
        "regions": [],
        "access_pattern": "",
        "network_isolation": "none",
    }


def test_an_update_records_only_what_changed_and_nothing_when_nothing_did(project, people):
    environment_update(project=project, actor=people["engineer"], **ENVIRONMENT)
    environment_update(project=project, actor=people["engineer"], **ENVIRONMENT)
    assert AuditEvent.objects.count() == 1
    environment_update(project=project, actor=people["engineer"], regions=["ap-southeast-1", "ap-southeast-7"])
    event = events("environment.updated")[-1]
    assert (event.before, event.after) == (
        {"regions": ["ap-southeast-1"]},
        {"regions": ["ap-southeast-1", "ap-southeast-7"]},
    )
    environment_update(project=project, actor=people["engineer"])
    assert AuditEvent.objects.count() == 2


def test_an_update_with_nothing_to_record_creates_no_environment(project, people):
    environment_update(project=project, actor=people["engineer"], provider="", regions=[])
    assert not CustomerCloudEnvironment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_spaces_around_names_are_dropped_and_none_clears(project, people):
    environment_update(
        project=project, actor=people["engineer"], **{**ENVIRONMENT, "account_id": " 42 ", "regions": [" eu-west-1 "]}
    )
    environment_update(project=project, actor=people["engineer"], change_process_reference="CHG-7")
    environment = environment_update(project=project, actor=people["engineer"], change_process_reference=None)
    environment.refresh_from_db()
    assert (environment.account_id, environment.regions, environment.change_process_reference) == (
        "42",
        ["eu-west-1"],
        "",
    )


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"regions": "ap-southeast-1"}, "regions"),
        ({"regions": ["eu-west-1", "eu-west-1"]}, "regions"),
        ({"regions": ["eu-west-1", "EU-WEST-1"]}, "regions"),
        ({"regions": [" "]}, "regions"),
        ({"regions": ["x" * 65]}, "regions"),
        ({"residency_regions": ["EU", 7]}, "residency_regions"),
        ({"provider": "ibm"}, "provider"),
        ({"network_isolation": "vpn"}, "network_isolation"),
        ({"network_isolation": None}, "network_isolation"),
        ({"account_id": "1" * 129}, "account_id"),
        ({"colour": "blue"}, "colour"),
        ({"access_approved_by": 1}, "access_approved_by"),
    ],
)
def test_bad_environment_facts_name_the_field_and_change_nothing(project, people, fields, error_field):
    environment_update(project=project, actor=people["engineer"], **ENVIRONMENT)
    refused(
        project, lambda: environment_update(project=project, actor=people["engineer"], **fields), fields=(error_field,)
    )


def test_every_bad_fact_is_named_at_once(project, people):
    refused(
        project,
        lambda: environment_update(project=project, actor=people["engineer"], provider="ibm", regions=["a", "a"]),
        fields=("provider", "regions"),
    )


@pytest.mark.parametrize("who", ["lead", "engineer", "platform"])
def test_technical_people_edit_the_environment(project, people, who):
    environment_update(project=project, actor=people[who], **ENVIRONMENT)
    assert CustomerCloudEnvironment.objects.get(project=project).account_id == ENVIRONMENT["account_id"]


@pytest.mark.parametrize("who", ["admin", "approver", "viewer", "outsider"])
def test_client_side_and_other_tenants_people_do_not_edit_the_environment(project, people, who):
    refused(
        project,
        lambda: environment_update(project=project, actor=people[who], account_id="x"),
        exception=PermissionDenied,
    )


# Sign-offs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "kind"), [("admin", "access_pattern"), ("approver", "data_residency")])
def test_a_client_side_person_signs_off_with_one_event(project, people, who, kind):
    environment_update(project=project, actor=people["lead"], **ENVIRONMENT, residency_regions=["Singapore"])
    environment = environment_sign_off(project=project, actor=people[who], kind=kind)
    by_field, at_field = {
        "access_pattern": ("access_approved_by", "access_approved_at"),
        "data_residency": ("residency_confirmed_by", "residency_confirmed_at"),
    }[kind]
    environment.refresh_from_db()
    assert getattr(environment, by_field) == people[who]
    assert getattr(environment, at_field) is not None
    [event] = events("environment.signed_off")
    assert event.actor == people[who]
    assert event.before == {"kind": kind, "by": None, "at": None}
    assert event.after["kind"] == kind
    assert event.after["by"] == people[who].username
    assert AuditEvent.objects.count() == 2


def test_a_platform_admin_may_sign_off_and_a_new_sign_off_replaces_the_old(project, people):
    environment_update(project=project, actor=people["lead"], **ENVIRONMENT)
    environment_sign_off(project=project, actor=people["admin"], kind="access_pattern")
    environment = environment_sign_off(project=project, actor=people["platform"], kind="access_pattern")
    assert environment.access_approved_by == people["platform"]
    event = events("environment.signed_off")[-1]
    assert event.before["by"] == "cadmin"
    assert event.after["by"] == "platform"


@pytest.mark.parametrize("who", ["lead", "lead2", "engineer", "viewer", "outsider"])
@pytest.mark.parametrize("kind", ["access_pattern", "data_residency"])
def test_only_the_clients_admins_and_approvers_sign_off(project, people, who, kind):
    environment_update(project=project, actor=people["lead"], **ENVIRONMENT, residency_regions=["Singapore"])
    refused(
        project,
        lambda: environment_sign_off(project=project, actor=people[who], kind=kind),
        exception=PermissionDenied,
    )


def test_a_service_account_with_an_approver_role_does_not_sign_off(project, people, tenant):
    robot = UserFactory(username="robot", kind=User.Kind.SERVICE_ACCOUNT)
    MembershipFactory(tenant=tenant, user=robot, role=Role.CUSTOMER_APPROVER)
    environment_update(project=project, actor=people["lead"], **ENVIRONMENT)
    refused(
        project,
        lambda: environment_sign_off(project=project, actor=robot, kind="access_pattern"),
        exception=PermissionDenied,
    )


def test_a_narrowed_approver_signs_off_only_projects_granted_to_them(project, people, tenant):
    Membership.objects.filter(user=people["approver"]).update(all_projects=False)
    environment_update(project=project, actor=people["lead"], **ENVIRONMENT)
    refused(
        project,
        lambda: environment_sign_off(project=project, actor=people["approver"], kind="access_pattern"),
        exception=PermissionDenied,
    )
    project_access_grant(project=project, user=people["approver"], role=Role.CUSTOMER_APPROVER)
    environment_sign_off(project=project, actor=people["approver"], kind="access_pattern")


def test_a_sign_off_needs_the_facts_it_signs(project, people):
    refused(
        project,
        lambda: environment_sign_off(project=project, actor=people["admin"], kind="access_pattern"),
        fields=("access_pattern",),
    )
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


@pytest.mark.parametrize(
    ("change", "withdrawn"),
    [
        ({"access_pattern": "Break-glass role for the vendor"}, ["access_pattern"]),
        ({"account_id": "9999"}, ["access_pattern"]),
        ({"provider": "azure"}, ["access_pattern"]),
        ({"network_isolation": "none"}, ["access_pattern"]),
        ({"regions": ["ap-southeast-7"]}, ["data_residency"]),
        ({"residency_regions": ["Thailand"]}, ["data_residency"]),
        ({"account_id": "9999", "residency_regions": ["Thailand"]}, ["access_pattern", "data_residency"]),
        ({"change_process_reference": "CHG-1"}, []),
    ],
)
def test_changing_a_signed_fact_withdraws_its_sign_off_in_the_same_event(project, people, change, withdrawn):
    signed = signed_environment(project, people)
    environment_update(project=project, actor=people["engineer"], **change)
    environment = CustomerCloudEnvironment.objects.get(project=project)
    assert environment.access_signed_off == ("access_pattern" not in withdrawn)
    assert environment.residency_signed_off == ("data_residency" not in withdrawn)
    event = events("environment.updated")[-1]
    assert event.after.get("sign_offs_withdrawn", []) == withdrawn
    if "access_pattern" in withdrawn:
        assert event.before["access_approved_by"] == people["admin"].pk
        assert event.before["access_approved_at"] == DjangoJSONEncoder().default(signed.access_approved_at)
        assert event.after["access_approved_by"] is None
    if "data_residency" in withdrawn:
        assert event.before["residency_confirmed_by"] == people["approver"].pk
        assert event.after["residency_confirmed_at"] is None
    assert len(events("environment.updated")) == 2


# Switching the deployment model --------------------------------------------------------------


def test_switch_to_customer_cloud_with_its_environment_is_one_event(project, people):
    deployment_model_switch(
        project=project, actor=people["lead"], deployment_model="customer_cloud", environment=ENVIRONMENT
    )
    project.refresh_from_db()
    assert project.deployment_model == DeploymentModel.CUSTOMER_CLOUD
    assert project.environment.account_id == "1234-5678-9012"
    [event] = AuditEvent.objects.all()
    assert event.action == "project.deployment_model_changed"
    assert event.before["deployment_model"] == "managed_application"
    assert event.before["environment"] == {
        "provider": "",
        "account_id": "",
        "regions": [],
        "access_pattern": "",
        "network_isolation": "none",
    }
    assert event.after["deployment_model"] == "customer_cloud"
    assert event.after["environment"] == ENVIRONMENT


def test_switch_uses_the_facts_already_recorded(project, people):
    environment_update(project=project, actor=people["engineer"], **ENVIRONMENT)
    deployment_model_switch(project=project, actor=people["lead"], deployment_model="customer_cloud")
    event = events("project.deployment_model_changed")[-1]
    assert event.after == {"deployment_model": "customer_cloud", "environment": {}}
    assert AuditEvent.objects.count() == 2


def test_switch_needs_every_required_fact_and_changes_nothing_without(project, people):
    refused(
        project,
        lambda: deployment_model_switch(
            project=project, actor=people["lead"], deployment_model="customer_cloud", environment={"provider": "aws"}
        ),
        fields=("account_id", "regions", "access_pattern"),
    )
    refused(
        project,
        lambda: deployment_model_switch(project=project, actor=people["lead"], deployment_model="customer_cloud"),
        fields=("provider", "account_id", "regions", "access_pattern"),
    )


def test_switch_names_bad_and_missing_facts_together(project, people):
    refused(
        project,
        lambda: deployment_model_switch(
            project=project,
            actor=people["lead"],
            deployment_model="customer_cloud",
            environment={"provider": "ibm", "regions": ["eu", "EU"], "access_pattern": "SSO"},
        ),
        fields=("provider", "regions", "account_id"),
    )


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
    assert len(events("project.deployment_model_changed")) == 1


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"deployment_model": "on_the_moon"}, "deployment_model"),
        ({"deployment_model": "customer_cloud", "environment": ["aws"]}, "environment"),
        ({"deployment_model": "customer_cloud", "environment": {**ENVIRONMENT, "colour": "blue"}}, "colour"),
    ],
)
def test_bad_switch_arguments_are_named(project, people, arguments, field):
    refused(
        project, lambda: deployment_model_switch(project=project, actor=people["lead"], **arguments), fields=(field,)
    )


def test_switching_back_keeps_the_environment_as_history(project, people):
    deployment_model_switch(
        project=project, actor=people["lead"], deployment_model="customer_cloud", environment=ENVIRONMENT
    )
    deployment_model_switch(project=project, actor=people["lead"], deployment_model="managed_application")
    project.refresh_from_db()
    assert project.deployment_model == DeploymentModel.MANAGED_APPLICATION
    assert CustomerCloudEnvironment.objects.get(project=project).account_id == ENVIRONMENT["account_id"]
    back = events("project.deployment_model_changed")[-1]
    assert (back.before, back.after) == (
        {"deployment_model": "customer_cloud", "environment": {}},
        {"deployment_model": "managed_application", "environment": {}},
    )
    assert AuditEvent.objects.count() == 2


def test_switching_to_the_same_model_records_nothing(project, people):
    deployment_model_switch(project=project, actor=people["lead"], deployment_model="managed_application")
    deployment_model_switch(
        project=project, actor=people["lead"], deployment_model="managed_application", environment={}
    )
    assert not AuditEvent.objects.exists()
    assert not CustomerCloudEnvironment.objects.exists()


def test_facts_given_without_a_switch_are_an_environment_update(project, people):
    deployment_model_switch(
        project=project, actor=people["lead"], deployment_model="customer_cloud", environment=ENVIRONMENT
    )
    deployment_model_switch(
        project=project,
        actor=people["lead"],
        deployment_model="customer_cloud",
        environment={"account_id": "4242"},
    )
    assert len(events("project.deployment_model_changed")) == 1
    [update] = events("environment.updated")
    assert (update.before, update.after) == ({"account_id": "1234-5678-9012"}, {"account_id": "4242"})
    refused(
        project,
        lambda: deployment_model_switch(
            project=project, actor=people["lead"], deployment_model="customer_cloud", environment={"account_id": ""}
        ),
        fields=("account_id",),
    )


def test_a_switch_that_changes_a_signed_fact_withdraws_the_sign_off_in_its_one_event(project, people):
    signed_environment(project, people)
    count = AuditEvent.objects.count()
    deployment_model_switch(
        project=project,
        actor=people["lead"],
        deployment_model="customer_cloud",
        environment={"residency_regions": ["Thailand"]},
    )
    assert AuditEvent.objects.count() == count + 1
    event = events("project.deployment_model_changed")[-1]
    assert event.after["environment"]["sign_offs_withdrawn"] == ["data_residency"]
    environment = CustomerCloudEnvironment.objects.get(project=project)
    assert environment.access_signed_off
    assert not environment.residency_signed_off


def test_switching_to_managed_with_facts_records_both_in_one_event(project, people):
    deployment_model_switch(
        project=project, actor=people["lead"], deployment_model="customer_cloud", environment=ENVIRONMENT
    )
    deployment_model_switch(
        project=project,
        actor=people["lead"],
        deployment_model="managed_application",
        environment={"change_process_reference": "CHG-99 decommission"},
    )
    event = events("project.deployment_model_changed")[-1]
    assert event.after == {
        "deployment_model": "managed_application",
        "environment": {"change_process_reference": "CHG-99 decommission"},
    }
    assert AuditEvent.objects.count() == 2


@pytest.mark.parametrize("who", ["lead", "platform"])
def test_leads_and_platform_admins_switch(project, people, who):
    deployment_model_switch(
        project=project, actor=people[who], deployment_model="customer_cloud", environment=ENVIRONMENT
    )
    assert len(events("project.deployment_model_changed")) == 1


@pytest.mark.parametrize("who", ["engineer", "approver", "viewer", "outsider", "admin"])
def test_nobody_else_switches_the_deployment_model(project, people, who):
    refused(
        project,
        lambda: deployment_model_switch(
            project=project, actor=people[who], deployment_model="customer_cloud", environment=ENVIRONMENT
        ),
        exception=PermissionDenied,
    )


def test_a_refused_switch_does_not_say_why_before_saying_no(project, people):
    """Permission comes first: someone without the right learns nothing about the facts."""
    refused(
        project,
        lambda: deployment_model_switch(project=project, actor=people["engineer"], deployment_model="nonsense"),
        exception=PermissionDenied,
    )


# Routing rules ---------------------------------------------------------------------------


def test_routing_rules_replace_in_order_with_one_event(project, people):
    hybrid(project)
    rules = routing_rules_replace(project=project, actor=people["engineer"], rules=SPLIT)
    assert [(rule.position, rule.destination) for rule in rules] == [(1, "self_hosted"), (2, "cloud_api")]
    [event] = AuditEvent.objects.all()
    assert event.action == "routing.replaced"
    assert event.before == {"rules": []}
    assert [rule["share_percent"] for rule in event.after["rules"]] == ["70.00", "30.00"]
    routing_rules_replace(
        project=project, actor=people["engineer"], rules=[{**SPLIT[0], "share_percent": "70"}, SPLIT[1]]
    )
    assert AuditEvent.objects.count() == 1, "the same rules again change nothing"
    routing_rules_replace(project=project, actor=people["engineer"], rules=list(reversed(SPLIT)))
    replaced = events("routing.replaced")[-1]
    assert [rule["destination"] for rule in replaced.before["rules"]] == ["self_hosted", "cloud_api"]
    assert [rule["destination"] for rule in replaced.after["rules"]] == ["cloud_api", "self_hosted"]
    routing_rules_replace(project=project, actor=people["engineer"], rules=[])
    assert not RoutingRule.objects.exists()
    assert AuditEvent.objects.count() == 3


def test_positions_given_set_the_order(project, people):
    hybrid(project)
    rules = routing_rules_replace(
        project=project,
        actor=people["engineer"],
        rules=[{**SPLIT[0], "position": 20}, {**SPLIT[1], "position": 10}],
    )
    assert [(rule.position, rule.destination) for rule in rules] == [(10, "cloud_api"), (20, "self_hosted")]


@pytest.mark.parametrize(
    "shares",
    [[D("100")], [D("33.33"), D("33.33"), D("33.34")], ["50", 50.0], [D("99.99"), D("0.01")]],
)
def test_shares_adding_up_to_100_are_accepted(project, people, shares):
    hybrid(project)
    rules = [
        {"condition_kind": "traffic", "traffic_condition": "other", "destination": "self_hosted", "share_percent": s}
        for s in shares
    ]
    assert len(routing_rules_replace(project=project, actor=people["engineer"], rules=rules)) == len(shares)


@pytest.mark.parametrize(("first", "total"), [(D("69.5"), "99.5"), (D("70.5"), "100.5"), (D("100"), "130")])
def test_shares_not_adding_up_to_100_are_refused_with_the_total(project, people, first, total):
    hybrid(project)
    uneven = [{**SPLIT[0], "share_percent": first}, SPLIT[1]]
    error = refused(
        project, lambda: routing_rules_replace(project=project, actor=people["lead"], rules=uneven), fields=("rules",)
    )
    assert f"add up to {total}%" in error.message_dict["rules"][0]


@pytest.mark.parametrize(
    ("change", "error_field"),
    [
        ({"api_model": ""}, "rules.1.api_model"),
        ({"api_model": "gpt-4o-mini"}, "rules.1.api_model"),
        ({"traffic_condition": ""}, "rules.1.traffic_condition"),
        ({"data_class": "regulated"}, "rules.1.data_class"),
        ({"condition_kind": "data_class", "data_class": "secret", "traffic_condition": ""}, "rules.1.data_class"),
        ({"share_percent": D("0")}, "rules.1.share_percent"),
        ({"share_percent": "thirty"}, "rules.1.share_percent"),
        ({"share_percent": D("29.999")}, "rules.1.share_percent"),
        ({"share_percent": None}, "rules.1.share_percent"),
        ({"destination": "moon"}, "rules.1.destination"),
        ({"destination": "self_hosted"}, "rules.1.api_model"),
        ({"speed": "fast"}, "rules.1.speed"),
        ({"position": 1}, "rules.1.position"),
    ],
)
def test_each_bad_rule_names_its_index_and_field(project, people, change, error_field):
    hybrid(project)
    RoutingRule.objects.bulk_create(
        [RoutingRule(tenant=project.tenant, project=project, position=1, **{**SPLIT[1], "share_percent": D("100")})]
    )
    rules = [SPLIT[0], {**SPLIT[1], **change}]
    refused(
        project,
        lambda: routing_rules_replace(project=project, actor=people["lead"], rules=rules),
        fields=(error_field,),
    )


def test_every_bad_rule_is_named_at_once(project, people):
    hybrid(project)
    rules = [{**SPLIT[0], "destination": "moon"}, "cloud, please", {**SPLIT[1], "api_model": ""}]
    refused(
        project,
        lambda: routing_rules_replace(project=project, actor=people["lead"], rules=rules),
        fields=("rules.0.destination", "rules.1", "rules.2.api_model"),
    )


def test_rules_must_be_a_list(project, people):
    hybrid(project)
    refused(
        project,
        lambda: routing_rules_replace(project=project, actor=people["lead"], rules={"0": SPLIT[0]}),
        fields=("rules",),
    )


def test_routing_only_for_hybrid_projects_but_any_project_may_clear_its_rules(project, people):
    refused(
        project,
        lambda: routing_rules_replace(project=project, actor=people["lead"], rules=SPLIT),
        fields=("hosting_approach",),
    )
    hybrid(project)
    routing_rules_replace(project=project, actor=people["lead"], rules=SPLIT)
    Project.objects.filter(pk=project.pk).update(hosting_approach=HostingApproach.CLOUD_API)
    routing_rules_replace(project=project, actor=people["lead"], rules=[])
    assert not RoutingRule.objects.filter(project=project).exists()
    assert len(events("routing.replaced")) == 2


@pytest.mark.parametrize("who", ["lead", "engineer", "platform"])
def test_technical_people_route_traffic(project, people, who):
    hybrid(project)
    routing_rules_replace(project=project, actor=people[who], rules=SPLIT)
    assert RoutingRule.objects.filter(project=project).count() == 2


@pytest.mark.parametrize("who", ["admin", "approver", "viewer", "outsider"])
def test_nobody_else_routes_traffic(project, people, who):
    hybrid(project)
    refused(
        project,
        lambda: routing_rules_replace(project=project, actor=people[who], rules=SPLIT),
        exception=PermissionDenied,
    )
