"""Where a project runs: the client's own cloud environment, and how hybrid traffic is routed."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from projects.models import DataCategory, DataSensitivity, Project
from tenancy.models import TenantOwned

REGION_MAX_LENGTH = 64

#: ``provider:model``, the same key cost profiles use, e.g. ``openai:gpt-4o-mini`` or
#: ``bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0``.
api_model_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9._-]*:\S+$", "Name the model as provider:model, e.g. openai:gpt-4o-mini.", code="invalid"
)


def validate_region_list(value):
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Give a list of region names.", code="not_a_list")
    cleaned = [item.strip() for item in value]
    if any(not item for item in cleaned):
        raise ValidationError("A region name cannot be empty.", code="empty_region")
    if any(len(item) > REGION_MAX_LENGTH for item in cleaned):
        raise ValidationError(
            "A region name has at most %(limit)d characters.", code="max_length", params={"limit": REGION_MAX_LENGTH}
        )
    # "EU" and "eu" in one list are a typo, not two regions.
    folded = [item.casefold() for item in cleaned]
    if len(set(folded)) != len(folded):
        raise ValidationError("Each region may appear only once.", code="duplicate_region")


class CustomerCloudEnvironment(TenantOwned):
    """The client-controlled environment a customer-cloud project runs in, and the client's two
    sign-offs: a cloud account of the client's, or the client's own data centre (on premises,
    possibly air-gapped), which has a site instead of a provider, account and regions."""

    class Kind(models.TextChoices):
        CLOUD_ACCOUNT = "cloud_account", "The client's cloud account"
        DATA_CENTRE = "data_centre", "The client's own data centre (on premises)"

    class Provider(models.TextChoices):
        AWS = "aws", "AWS"
        AZURE = "azure", "Azure"
        GCP = "gcp", "Google Cloud"
        OCI = "oci", "Oracle Cloud"
        OTHER = "other", "Other"

    class NetworkIsolation(models.TextChoices):
        NONE = "none", "No network isolation"
        PRIVATE_NETWORK = "private_network", "Private network"
        PRIVATE_ENDPOINTS = "private_endpoints", "Private network and private endpoints"
        AIR_GAPPED = "air_gapped", "Air-gapped: no connection outside the site"

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="environment")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CLOUD_ACCOUNT)
    site = models.CharField(
        "data centre site",
        max_length=200,
        blank=True,
        help_text="Where the client's data centre is, for a data centre.",
    )
    provider = models.CharField(max_length=8, choices=Provider.choices, blank=True)
    account_id = models.CharField("account / subscription / project id", max_length=128, blank=True)
    regions = models.JSONField(default=list, blank=True, validators=[validate_region_list])
    residency_regions = models.JSONField(
        "agreed data-residency regions", default=list, blank=True, validators=[validate_region_list]
    )
    access_pattern = models.TextField(blank=True, help_text="The client-approved role / SSO pattern.")
    network_isolation = models.CharField(max_length=24, choices=NetworkIsolation.choices, default=NetworkIsolation.NONE)
    change_process_reference = models.CharField(max_length=200, blank=True)
    access_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    access_approved_at = models.DateTimeField(null=True, blank=True)
    residency_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    residency_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_via = "project"

    #: What a customer-cloud project must record, by kind; residency regions too when residency is strict.
    REQUIRED = ("provider", "account_id", "regions", "access_pattern")
    REQUIRED_BY_KIND = {Kind.CLOUD_ACCOUNT: REQUIRED, Kind.DATA_CENTRE: ("site", "access_pattern")}

    def __str__(self):
        if self.kind == self.Kind.DATA_CENTRE:
            return f"Data centre {self.site}".strip()
        return f"{self.get_provider_display() or 'Cloud'} {self.account_id}".strip()

    @property
    def is_data_centre(self) -> bool:
        return self.kind == self.Kind.DATA_CENTRE

    def clean(self):
        errors = {}
        if self.project_id is not None and self.tenant_id != self.project.tenant_id:
            errors["tenant"] = ValidationError("The environment belongs to its project's tenant.", code="invalid")
        for by_field, at_field in (
            ("access_approved_by", "access_approved_at"),
            ("residency_confirmed_by", "residency_confirmed_at"),
        ):
            if (getattr(self, f"{by_field}_id") is None) != (getattr(self, at_field) is None):
                errors[at_field] = ValidationError("A sign-off records both who and when.", code="incomplete")
        if self.network_isolation == self.NetworkIsolation.AIR_GAPPED and self.kind != self.Kind.DATA_CENTRE:
            errors["network_isolation"] = ValidationError(
                "Only the client's own data centre can be air-gapped: a cloud account is reached over the network.",
                code="not_allowed",
            )
        if errors:
            raise ValidationError(errors)

    @classmethod
    def required_facts(cls, *, strict_residency: bool = False, kind: str = Kind.CLOUD_ACCOUNT) -> tuple[str, ...]:
        """The facts (field names) a customer-cloud project of this kind of environment needs recorded."""
        return cls.REQUIRED_BY_KIND.get(kind, cls.REQUIRED) + (("residency_regions",) if strict_residency else ())

    def missing_facts(self, *, strict_residency: bool = False) -> list[str]:
        """The facts a switch to customer cloud needs that are not recorded (field names)."""
        required = self.required_facts(strict_residency=strict_residency, kind=self.kind)
        return [name for name in required if not getattr(self, name)]

    def needs_residency_confirmation(self, *, strict_residency: bool = False) -> bool:
        """Residency is confirmed once there is something to confirm: agreed regions, or a strict requirement."""
        return bool(self.residency_regions) or strict_residency

    def missing_for_customer_cloud(self, *, strict_residency: bool = False) -> list[str]:
        """Everything a customer-cloud project still lacks (field names), sign-offs included.

        Non-empty means "customer cloud in name only": a missing fact is named by its field, a
        missing sign-off by its ``*_by`` field.
        """
        missing = self.missing_facts(strict_residency=strict_residency)
        if not self.access_signed_off:
            missing.append("access_approved_by")
        if self.needs_residency_confirmation(strict_residency=strict_residency) and not self.residency_signed_off:
            missing.append("residency_confirmed_by")
        return missing

    @property
    def access_signed_off(self) -> bool:
        return self.access_approved_at is not None

    @property
    def residency_signed_off(self) -> bool:
        return self.residency_confirmed_at is not None


class RoutingRule(TenantOwned):
    """One ordered rule of a hybrid project: which traffic goes where, and its share."""

    class ConditionKind(models.TextChoices):
        DATA_CLASS = "data_class", "Data class"
        TRAFFIC = "traffic", "Traffic condition"

    class TrafficCondition(models.TextChoices):
        BASE_LOAD = "base_load", "Base load"
        BURST = "burst", "Bursts above the base"
        OTHER = "other", "All other traffic"

    class Destination(models.TextChoices):
        SELF_HOSTED = "self_hosted", "Self-hosted models"
        CLOUD_API = "cloud_api", "Cloud API"

    DATA_CLASSES = [*DataSensitivity.choices, *DataCategory.choices]

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="routing_rules")
    position = models.PositiveSmallIntegerField()
    condition_kind = models.CharField(max_length=16, choices=ConditionKind.choices)
    data_class = models.CharField(max_length=16, choices=DATA_CLASSES, blank=True)
    traffic_condition = models.CharField(max_length=16, choices=TrafficCondition.choices, blank=True)
    destination = models.CharField(max_length=16, choices=Destination.choices)
    api_model = models.CharField(
        max_length=200, blank=True, validators=[api_model_validator], help_text="provider:model, for a cloud API."
    )
    share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    access_via = "project"

    class Meta:
        ordering = ["project_id", "position"]
        constraints = [models.UniqueConstraint(fields=["project", "position"], name="routing_rule_position_unique")]

    def __str__(self):
        condition = self.data_class or self.traffic_condition
        return f"{self.position}. {condition} → {self.get_destination_display()} ({self.share_percent}%)"

    def clean(self):
        errors = {}
        if self.project_id is not None and self.tenant_id != self.project.tenant_id:
            errors["tenant"] = ValidationError("A routing rule belongs to its project's tenant.", code="invalid")
        if self.condition_kind == self.ConditionKind.DATA_CLASS:
            if not self.data_class:
                errors["data_class"] = ValidationError("A data-class rule needs the data class.", code="required")
            if self.traffic_condition:
                errors["traffic_condition"] = ValidationError(
                    "A data-class rule has no traffic condition.", code="not_allowed"
                )
        elif self.condition_kind == self.ConditionKind.TRAFFIC:
            if not self.traffic_condition:
                errors["traffic_condition"] = ValidationError(
                    "A traffic rule needs the traffic condition.", code="required"
                )
            if self.data_class:
                errors["data_class"] = ValidationError("A traffic rule has no data class.", code="not_allowed")
        # A refused model name reads None (``TenantOwned.full_clean``): its own error says why.
        if self.destination == self.Destination.CLOUD_API and self.api_model is not None and not self.api_model.strip():
            errors["api_model"] = ValidationError("Name the cloud API model (provider:model).", code="required")
        if self.destination == self.Destination.SELF_HOSTED and self.api_model:
            errors["api_model"] = ValidationError("Self-hosted traffic names no API model.", code="not_allowed")
        if errors:
            raise ValidationError(errors)
