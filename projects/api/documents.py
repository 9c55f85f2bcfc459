"""What an approval request keeps of the moment it was made (``services.approvals``): the project's
facts, its readiness and latest estimate (``snapshot``), and the policy that governs it
(``policies.policy_for``), described for the OpenAPI schema. The API answers them as stored; every
field is optional, as in every stored document (``api.documents``)."""

from rest_framework import serializers

from api.documents import optional
from api.serializers import Serializer
from projects.models.rollout import ELIGIBLE_ROLE_CHOICES


def _texts(**kwargs):
    return optional(serializers.ListField, child=serializers.CharField(), **kwargs)


class SnapshotProfileSerializer(Serializer):
    data_sensitivity = optional(serializers.CharField)
    data_categories = _texts()
    regulations = _texts()
    residency = optional(serializers.CharField)
    residency_region = optional(serializers.CharField)
    monthly_requests = optional(serializers.IntegerField)
    target_production_date = optional(serializers.DateField, allow_null=True)
    monthly_budget = optional(serializers.DecimalField, max_digits=None, decimal_places=None, allow_null=True)


class SnapshotReadinessSerializer(Serializer):
    id = optional(
        serializers.IntegerField, allow_null=True, help_text="The latest stored assessment for the target stage."
    )
    status = optional(serializers.CharField, help_text="Readiness evaluated when the request was made.")
    target_stage = optional(serializers.CharField)
    blocking = _texts()
    assessed_at = optional(serializers.DateTimeField)


class SnapshotEstimateSerializer(Serializer):
    id = optional(serializers.IntegerField)
    chosen_monthly = optional(serializers.DecimalField, max_digits=None, decimal_places=None)
    cheapest = optional(serializers.CharField)
    created_at = optional(serializers.DateTimeField)


class ApprovalSnapshotSerializer(Serializer):
    """The project as it stood when the request was made."""

    name = optional(serializers.CharField)
    code = optional(serializers.CharField)
    stage = optional(serializers.CharField)
    workload_type = optional(serializers.CharField)
    deployment_model = optional(serializers.CharField)
    hosting_approach = optional(serializers.CharField)
    profile = optional(SnapshotProfileSerializer)
    assessment = optional(SnapshotReadinessSerializer, allow_null=True, help_text="Null: no requirements recorded.")
    estimate = optional(SnapshotEstimateSerializer, allow_null=True, help_text="Null: no estimate yet.")


class ApprovalPolicySnapshotSerializer(Serializer):
    """The policy that governs the request, as it was when the request was made."""

    source = optional(serializers.CharField, help_text='"built-in default" or the policy it came from.')
    required_approvals = optional(serializers.IntegerField)
    eligible_roles = optional(serializers.ListField, child=serializers.ChoiceField(choices=ELIGIBLE_ROLE_CHOICES))
    eligible_user_ids = optional(serializers.ListField, child=serializers.IntegerField())
    require_client_and_delivery = optional(serializers.BooleanField)
    requester_may_approve = optional(serializers.BooleanField)
    readiness_gate_required = optional(serializers.BooleanField)
    expiry_hours = optional(serializers.IntegerField)
