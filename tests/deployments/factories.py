from decimal import Decimal

import factory

from deployments.models import CustomerCloudEnvironment, RoutingRule
from tests.factories import ProjectFactory


class CustomerCloudEnvironmentFactory(factory.django.DjangoModelFactory):
    """A complete environment without sign-offs."""

    class Meta:
        model = CustomerCloudEnvironment

    project = factory.SubFactory(ProjectFactory)
    tenant = factory.SelfAttribute("project.tenant")
    provider = CustomerCloudEnvironment.Provider.AWS
    account_id = "123456789012"
    regions = factory.LazyFunction(lambda: ["ap-southeast-1"])
    residency_regions = factory.LazyFunction(lambda: ["Singapore"])
    access_pattern = "Client IAM role assumed through the client's SSO"
    network_isolation = CustomerCloudEnvironment.NetworkIsolation.PRIVATE_ENDPOINTS


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    project = factory.SubFactory(ProjectFactory, hosting_approach="hybrid")
    tenant = factory.SelfAttribute("project.tenant")
    position = factory.Sequence(lambda n: n + 1)
    condition_kind = RoutingRule.ConditionKind.TRAFFIC
    traffic_condition = RoutingRule.TrafficCondition.OTHER
    destination = RoutingRule.Destination.CLOUD_API
    api_model = "openai:gpt-4o-mini"
    share_percent = Decimal("100")
