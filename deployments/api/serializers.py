"""Where a project runs, in the API: its customer-cloud environment and hybrid routing rules, as
part of the project's representation and as the bodies of the writes that change them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import FieldsObject, ObjectField
from api.serializers import ModelSerializer, Serializer
from deployments.models import REGION_MAX_LENGTH, CustomerCloudEnvironment, RoutingRule
from deployments.services import ENVIRONMENT_UNKNOWN, SIGN_OFF_UNKNOWN, SIGN_OFFS
from projects.models import DeploymentModel


def _regions(help_text: str, **kwargs):
    return serializers.ListField(
        child=serializers.CharField(max_length=REGION_MAX_LENGTH), required=False, help_text=help_text, **kwargs
    )


class EnvironmentSerializer(ModelSerializer):
    """Where a customer-cloud project runs."""

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
        # Set by the client's sign-offs (their own endpoint), never by a write of the facts.
        read_only_fields = ["access_approved_at", "residency_confirmed_at"]


#: The facts a write clears with null (``deployments.services``: null is blank, or no regions).
CLEARABLE_FACTS = ["site", "provider", "account_id", "access_pattern", "change_process_reference"]


class EnvironmentChangeSerializer(EnvironmentSerializer):
    """Where a customer-cloud project runs. In a write every fact is optional: those sent change,
    null or blank clears one (the kind and the network isolation always have one: null is refused),
    and a change withdraws the sign-offs that depended on it."""

    regions = _regions("The cloud regions it runs in; null: none.", allow_null=True)
    residency_regions = _regions("The data-residency regions agreed with the client; null: none.", allow_null=True)

    class Meta(EnvironmentSerializer.Meta):
        extra_kwargs = {name: {"allow_null": True} for name in CLEARABLE_FACTS}


def environment_change(**kwargs) -> FieldsObject:
    """Facts of the environment to record, as sent, for ``environment_update`` (the PATCH's body, a
    switch's ``environment``): a name that is no fact is refused by name, as is a value of another
    JSON type than the schema gives it, or null for a fact that null does not clear."""
    return FieldsObject(shape=EnvironmentChangeSerializer(partial=True), unknown=ENVIRONMENT_UNKNOWN, **kwargs)


def environment_fields(data) -> dict:
    """A PATCH's environment facts (``environment_change``), refused with every error by name."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Send a JSON object of environment fields."]})
    return environment_change().run_validation(data)


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
    """A rule as sent: its position is its place in the list unless given (or null)."""

    class Meta(RoutingRuleSerializer.Meta):
        extra_kwargs = {"position": {"required": False, "allow_null": True}}


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
    environment = environment_change(required=False, help_text="Environment facts to record with the switch.")


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
