"""The environment's and the routing rules' own invariants, and what a customer-cloud project lacks."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from deployments.models import CustomerCloudEnvironment, RoutingRule, api_model_validator, validate_region_list
from tests.deployments.factories import CustomerCloudEnvironmentFactory, RoutingRuleFactory
from tests.factories import ProjectFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def errors_of(obj, **exclude):
    with pytest.raises(ValidationError) as error:
        obj.full_clean(**exclude)
    return error.value.message_dict


@pytest.mark.parametrize(
    "value",
    [[], ["eu-west-1"], ["ap-southeast-1", "ap-southeast-7"], ["EU", "Thailand"], ["x" * 64]],
)
def test_region_lists_that_are_fine(value):
    validate_region_list(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("eu-west-1", "not_a_list"),
        ({"region": "eu-west-1"}, "not_a_list"),
        (["eu-west-1", 1], "not_a_list"),
        ([""], "empty_region"),
        (["  "], "empty_region"),
        (["x" * 65], "max_length"),
        (["eu-west-1", "eu-west-1"], "duplicate_region"),
        (["EU", "eu"], "duplicate_region"),
        (["eu-west-1", " eu-west-1 "], "duplicate_region"),
    ],
)
def test_region_lists_that_are_refused(value, code):
    with pytest.raises(ValidationError) as error:
        validate_region_list(value)
    assert error.value.code == code


@pytest.mark.parametrize("field", ["regions", "residency_regions"])
def test_a_bad_region_list_names_its_field(field):
    environment = CustomerCloudEnvironmentFactory.build(project=ProjectFactory(), **{field: ["EU", "EU"]})
    assert set(errors_of(environment)) == {field}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"provider": "ibm"}, "provider"),
        ({"network_isolation": "vpn"}, "network_isolation"),
        ({"network_isolation": ""}, "network_isolation"),
        ({"account_id": "1" * 129}, "account_id"),
        ({"change_process_reference": "x" * 201}, "change_process_reference"),
    ],
)
def test_environment_field_errors_name_the_field(fields, field):
    environment = CustomerCloudEnvironmentFactory.build(project=ProjectFactory(), **fields)
    assert set(errors_of(environment)) == {field}


def test_an_environment_belongs_to_its_projects_tenant():
    environment = CustomerCloudEnvironmentFactory.build(project=ProjectFactory(), tenant=TenantFactory())
    assert set(errors_of(environment)) == {"tenant"}


def test_a_sign_off_records_both_who_and_when():
    project = ProjectFactory()
    environment = CustomerCloudEnvironmentFactory.build(project=project, access_approved_by=UserFactory())
    assert set(errors_of(environment)) == {"access_approved_at"}
    environment = CustomerCloudEnvironmentFactory.build(project=project, residency_confirmed_at=timezone.now())
    assert set(errors_of(environment)) == {"residency_confirmed_at"}


def test_one_environment_per_project():
    environment = CustomerCloudEnvironmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerCloudEnvironment.objects.create(tenant=environment.tenant, project=environment.project)


def test_missing_facts_lists_the_required_facts_in_order():
    empty = CustomerCloudEnvironment()
    assert empty.missing_facts() == ["provider", "account_id", "regions", "access_pattern"]
    assert empty.missing_facts(strict_residency=True)[-1] == "residency_regions"
    complete = CustomerCloudEnvironmentFactory.build()
    assert complete.missing_facts(strict_residency=True) == []


def test_customer_cloud_in_name_only_lists_missing_sign_offs_too():
    signer, now = UserFactory.build(), timezone.now()
    environment = CustomerCloudEnvironmentFactory.build()
    assert environment.missing_for_customer_cloud() == ["access_approved_by", "residency_confirmed_by"]

    environment.access_approved_by, environment.access_approved_at = signer, now
    assert environment.missing_for_customer_cloud() == ["residency_confirmed_by"]
    environment.residency_confirmed_by, environment.residency_confirmed_at = signer, now
    assert environment.missing_for_customer_cloud(strict_residency=True) == []


def test_residency_confirmation_is_needed_once_there_is_something_to_confirm():
    environment = CustomerCloudEnvironmentFactory.build(
        residency_regions=[], access_approved_by=UserFactory.build(), access_approved_at=timezone.now()
    )
    assert environment.missing_for_customer_cloud() == []
    assert environment.missing_for_customer_cloud(strict_residency=True) == [
        "residency_regions",
        "residency_confirmed_by",
    ]
    assert CustomerCloudEnvironment().missing_for_customer_cloud() == [
        "provider",
        "account_id",
        "regions",
        "access_pattern",
        "access_approved_by",
    ]


def rule(**fields):
    return RoutingRuleFactory.build(project=ProjectFactory(hosting_approach="hybrid"), **fields)


def test_a_complete_rule_of_each_kind_is_valid():
    rule().full_clean()
    rule(
        condition_kind="data_class",
        data_class="regulated",
        traffic_condition="",
        destination="self_hosted",
        api_model="",
    ).full_clean()
    rule(condition_kind="data_class", data_class="health", traffic_condition="").full_clean()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"condition_kind": "data_class", "traffic_condition": ""}, "data_class"),
        ({"condition_kind": "data_class", "data_class": "regulated"}, "traffic_condition"),
        ({"traffic_condition": ""}, "traffic_condition"),
        ({"data_class": "regulated"}, "data_class"),
        ({"condition_kind": "weather"}, "condition_kind"),
        ({"condition_kind": "data_class", "traffic_condition": "", "data_class": "secret"}, "data_class"),
        ({"traffic_condition": "night"}, "traffic_condition"),
        ({"destination": "moon"}, "destination"),
        ({"api_model": ""}, "api_model"),
        ({"destination": "self_hosted"}, "api_model"),
        ({"share_percent": D("0")}, "share_percent"),
        ({"share_percent": D("-5")}, "share_percent"),
        ({"share_percent": D("100.01")}, "share_percent"),
        ({"share_percent": D("12.345")}, "share_percent"),
    ],
)
def test_each_rule_error_names_its_field(fields, field):
    assert set(errors_of(rule(**fields))) == {field}


def test_a_rule_belongs_to_its_projects_tenant():
    assert set(errors_of(rule(tenant=TenantFactory()))) == {"tenant"}


@pytest.mark.parametrize("share", [D("0.01"), D("99.5"), D("100")])
def test_shares_above_zero_up_to_100(share):
    rule(share_percent=share).full_clean()


@pytest.mark.parametrize(
    "name", ["openai:gpt-4o-mini", "azure-openai:gpt-4o", "bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0"]
)
def test_api_models_named_provider_colon_model(name):
    api_model_validator(name)


@pytest.mark.parametrize("name", ["gpt-4o-mini", "OpenAI:gpt-4o", "openai:", ":gpt-4o", "openai: gpt-4o"])
def test_api_models_not_named_provider_colon_model(name):
    with pytest.raises(ValidationError):
        api_model_validator(name)


def test_one_rule_per_position_in_a_project():
    first = RoutingRuleFactory(position=1)
    RoutingRuleFactory(position=1)  # another project's first rule
    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRuleFactory(project=first.project, position=1)


def test_rules_are_read_in_position_order():
    project = ProjectFactory(hosting_approach="hybrid")
    RoutingRuleFactory(project=project, position=2, share_percent=D("40"))
    RoutingRuleFactory(project=project, position=1, share_percent=D("60"))
    assert [rule.position for rule in RoutingRule.objects.filter(project=project)] == [1, 2]
