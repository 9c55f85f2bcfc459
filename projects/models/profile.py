"""What the project needs: the input to readiness assessments and cost estimates."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.validators import ChoiceListValidator
from projects.models.project import Project
from tenancy.models import TenantOwned, validate_regulations


class DataSensitivity(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    REGULATED = "regulated", "Regulated"


class DataCategory(models.TextChoices):
    PERSONAL = "personal", "Personal data"
    HEALTH = "health", "Health data"
    FINANCIAL = "financial", "Financial data"
    TRADE_SECRETS = "trade_secrets", "Trade secrets"


class Residency(models.TextChoices):
    NONE = "none", "No requirement"
    PREFERRED = "preferred", "Preferred region"
    STRICT = "strict", "Strict: data must stay in the region"


class TrafficPattern(models.TextChoices):
    STEADY = "steady", "Steady"
    SPIKY = "spiky", "Spiky"


class LatencyNeed(models.TextChoices):
    INTERACTIVE = "interactive", "Interactive"
    BATCH = "batch", "Batch"


class Connectivity(models.TextChoices):
    ONLINE = "online", "Online"
    LIMITED = "limited", "Limited"
    OFFLINE = "offline", "Offline / air-gapped"


class Customisation(models.TextChoices):
    PROMPTING = "prompting", "Prompting"
    FINE_TUNING = "fine_tuning", "Fine-tuning"
    DEEP_CHANGES = "deep_changes", "Deep model changes"


class Differentiation(models.TextChoices):
    GENERIC = "generic", "Generic task"
    MODERATE = "moderate", "Somewhat specialised"
    SPECIALISED = "specialised", "Highly specialised"


class Capability(models.TextChoices):
    NONE = "none", "None"
    SOME = "some", "Some"
    MATURE = "mature", "Mature"


validate_data_categories = ChoiceListValidator(DataCategory.values, what="data categories")


#: Fields an engineer may change (``Action.CHANGE_TECHNICAL``); the rest need ``Action.CHANGE``.
TECHNICAL_FIELDS = frozenset(
    {
        "monthly_requests",
        "avg_input_tokens",
        "avg_output_tokens",
        "cached_input_percent",
        "traffic_pattern",
        "peak_ratio",
        "latency_need",
        "latency_target_ms",
        "connectivity",
        "customisation",
        "mlops_capability",
        "hardware_capability",
        "infrastructure_capability",
    }
)


class RequirementsProfile(TenantOwned):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="profile")

    data_sensitivity = models.CharField(
        max_length=16, choices=DataSensitivity.choices, default=DataSensitivity.INTERNAL
    )
    data_categories = models.JSONField(default=list, blank=True, validators=[validate_data_categories])
    regulations = models.JSONField(default=list, blank=True, validators=[validate_regulations])
    residency = models.CharField(max_length=16, choices=Residency.choices, default=Residency.NONE)
    residency_region = models.CharField(max_length=64, blank=True)

    monthly_requests = models.PositiveBigIntegerField(default=0, validators=[MaxValueValidator(10**12)])
    avg_input_tokens = models.PositiveIntegerField(
        default=1000, validators=[MinValueValidator(1), MaxValueValidator(2_000_000)]
    )
    avg_output_tokens = models.PositiveIntegerField(default=300, validators=[MaxValueValidator(200_000)])
    cached_input_percent = models.DecimalField(
        "cached share of input (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    traffic_pattern = models.CharField(max_length=16, choices=TrafficPattern.choices, default=TrafficPattern.STEADY)
    peak_ratio = models.DecimalField(
        "peak-to-average ratio",
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.5"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("1000"))],
    )
    latency_need = models.CharField(max_length=16, choices=LatencyNeed.choices, default=LatencyNeed.INTERACTIVE)
    latency_target_ms = models.PositiveIntegerField(
        default=2000, null=True, blank=True, validators=[MinValueValidator(10), MaxValueValidator(600_000)]
    )
    connectivity = models.CharField(max_length=16, choices=Connectivity.choices, default=Connectivity.ONLINE)
    customisation = models.CharField(max_length=16, choices=Customisation.choices, default=Customisation.PROMPTING)
    differentiation = models.CharField(max_length=16, choices=Differentiation.choices, default=Differentiation.GENERIC)
    mlops_capability = models.CharField(max_length=8, choices=Capability.choices, default=Capability.NONE)
    hardware_capability = models.CharField(max_length=8, choices=Capability.choices, default=Capability.NONE)
    infrastructure_capability = models.CharField(max_length=8, choices=Capability.choices, default=Capability.NONE)

    target_production_date = models.DateField(null=True, blank=True)
    monthly_budget = models.DecimalField(
        "monthly run budget (USD)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    upfront_budget = models.DecimalField(
        "upfront budget (USD)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    access_via = "project"

    def __str__(self):
        return f"Requirements of {self.project_id}"

    def clean(self):
        """The rules that tie fields together; each error names its field."""
        errors = {}
        if self.residency == Residency.STRICT and not self.residency_region.strip():
            errors["residency_region"] = ValidationError(
                "A residency region is required when residency is strict.", code="required"
            )
        if self.latency_need == LatencyNeed.INTERACTIVE and self.latency_target_ms is None:
            errors["latency_target_ms"] = ValidationError(
                "An interactive workload needs a latency target in milliseconds.", code="required"
            )
        if (
            self.traffic_pattern == TrafficPattern.SPIKY
            and self.peak_ratio is not None
            and self.peak_ratio <= Decimal("1")
        ):
            errors["peak_ratio"] = ValidationError(
                "Spiky traffic needs a peak-to-average ratio above 1.", code="min_value"
            )
        if self.data_sensitivity == DataSensitivity.REGULATED and not self.regulations:
            errors["regulations"] = ValidationError(
                "Regulated data needs at least one regulation in scope.", code="required"
            )
        sensitive = {DataCategory.HEALTH, DataCategory.FINANCIAL} & set(self.data_categories or [])
        if sensitive and self.data_sensitivity in {DataSensitivity.PUBLIC, DataSensitivity.INTERNAL}:
            errors["data_sensitivity"] = ValidationError(
                "Health or financial data is at least confidential.", code="understated_sensitivity"
            )
        if errors:
            raise ValidationError(errors)
