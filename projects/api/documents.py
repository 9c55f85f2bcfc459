"""What an approval request keeps of the moment it was made (``services.approvals``): the project's
facts, its readiness and latest estimate (``snapshot``), and the policy that governs it
(``policies.policy_for``), described for the OpenAPI schema. The API answers them as stored; every
field is optional, as in every stored document (``api.documents``)."""

from rest_framework import serializers

from projects.models.rollout import ELIGIBLE_ROLE_CHOICES


def _optional(field_class, **kwargs):
    return field_class(required=False, **kwargs)


def _texts(**kwargs):
    return _optional(serializers.ListField, child=serializers.CharField(), **kwargs)


class SnapshotProfileSerializer(serializers.Serializer):
    data_sensitivity = _optional(serializers.CharField)
    data_categories = _texts()
    regulations = _texts()
    residency = _optional(serializers.CharField)
    residency_region = _optional(serializers.CharField)
    monthly_requests = _optional(serializers.IntegerField)
    target_production_date = _optional(serializers.DateField, allow_null=True)
    monthly_budget = _optional(serializers.DecimalField, max_digits=None, decimal_places=None, allow_null=True)


class SnapshotReadinessSerializer(serializers.Serializer):
    id = _optional(
        serializers.IntegerField, allow_null=True, help_text="The latest stored assessment for the target stage."
    )
    status = _optional(serializers.CharField, help_text="Readiness evaluated when the request was made.")
    target_stage = _optional(serializers.CharField)
    blocking = _texts()
    assessed_at = _optional(serializers.DateTimeField)


class SnapshotEstimateSerializer(serializers.Serializer):
    id = _optional(serializers.IntegerField)
    chosen_monthly = _optional(serializers.DecimalField, max_digits=None, decimal_places=None)
    cheapest = _optional(serializers.CharField)
    created_at = _optional(serializers.DateTimeField)


class ApprovalSnapshotSerializer(serializers.Serializer):
    """The project as it stood when the request was made."""

    name = _optional(serializers.CharField)
    code = _optional(serializers.CharField)
    stage = _optional(serializers.CharField)
    workload_type = _optional(serializers.CharField)
    deployment_model = _optional(serializers.CharField)
    hosting_approach = _optional(serializers.CharField)
    profile = _optional(SnapshotProfileSerializer)
    assessment = _optional(SnapshotReadinessSerializer, allow_null=True, help_text="Null: no requirements recorded.")
    estimate = _optional(SnapshotEstimateSerializer, allow_null=True, help_text="Null: no estimate yet.")


class ApprovalPolicySnapshotSerializer(serializers.Serializer):
    """The policy that governs the request, as it was when the request was made."""

    source = _optional(serializers.CharField, help_text='"built-in default" or the policy it came from.')
    required_approvals = _optional(serializers.IntegerField)
    eligible_roles = _optional(serializers.ListField, child=serializers.ChoiceField(choices=ELIGIBLE_ROLE_CHOICES))
    eligible_user_ids = _optional(serializers.ListField, child=serializers.IntegerField())
    require_client_and_delivery = _optional(serializers.BooleanField)
    requester_may_approve = _optional(serializers.BooleanField)
    readiness_gate_required = _optional(serializers.BooleanField)
    expiry_hours = _optional(serializers.IntegerField)
