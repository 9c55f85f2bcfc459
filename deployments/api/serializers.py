"""Where a project runs, in the API: its customer-cloud environment and hybrid routing rules, as
part of the project's representation and as the bodies of the writes that change them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import ObjectField
from api.serializers import ModelSerializer, Serializer
from deployments.models import REGION_MAX_LENGTH, CustomerCloudEnvironment, RoutingRule
from deployments.services import SIGN_OFF_UNKNOWN, SIGN_OFFS
from projects.models import DeploymentModel


def _regions(help_text: str):
    return serializers.ListField(
        child=serializers.CharField(max_length=REGION_MAX_LENGTH), required=False, help_text=help_text
    )


class EnvironmentSerializer(ModelSerializer):
    """Where a customer-cloud project runs. In a write every fact is optional: those sent change,
    null or blank clears one, and a change withdraws the sign-offs that depended on it."""

    regions = _regions("The cloud regions it runs in.")
    residency_regions = _regions("The data-residency regions agreed with the client.")
    access_approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    residency_confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CustomerCloudEnvironment
        fields = [
            "kind",
            "site",
            "provider",
            "account_id",
            "regions",
            "residency_regions",
            "access_pattern",
            "network_isolation",
            "change_process_reference",
            "access_approved_by",
            "access_approved_at",
            "residency_confirmed_by",
            "residency_confirmed_at",
        ]


class RoutingRuleSerializer(ModelSerializer):
    class Meta:
        model = RoutingRule
        fields = [
            "position",
            "condition_kind",
            "data_class",
            "traffic_condition",
            "destination",
            "api_model",
            "share_percent",
        ]


class RoutingRuleWriteSerializer(RoutingRuleSerializer):
    """A rule as sent: its position is its place in the list unless given."""

    class Meta(RoutingRuleSerializer.Meta):
        extra_kwargs = {"position": {"required": False}}


@extend_schema_field(EnvironmentSerializer)
class ProjectEnvironmentField(serializers.Field):
    """A project's environment (``EnvironmentSerializer``), or null when none is recorded."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, project):
        environment = getattr(project, "environment", None)
        return EnvironmentSerializer(environment).data if environment is not None else None


class DeploymentSwitchSerializer(Serializer):
    deployment_model = serializers.ChoiceField(choices=DeploymentModel.choices)
    environment = ObjectField(
        shape=EnvironmentSerializer(partial=True),
        required=False,
        help_text="Environment facts to record with the switch.",
    )


class RoutingRulesSerializer(Serializer):
    rules = serializers.ListField(child=ObjectField(shape=RoutingRuleWriteSerializer), allow_empty=True)


class SignOffSerializer(Serializer):
    kind = serializers.ChoiceField(
        choices=list(SIGN_OFFS),
        error_messages={"invalid_choice": SIGN_OFF_UNKNOWN},
        help_text="What the client signs: the access pattern (approved) or the data residency (confirmed).",
    )
    on_behalf_of = serializers.CharField(
        required=False,
        help_text="Username of the client's admin or approver whose sign-off a service account relays.",
    )
