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
    NONE = "none", "Not in the team"
    SOME = "some", "Some"
    MATURE = "mature", "Mature"


validate_data_categories = ChoiceListValidator(DataCategory.values, what="data categories")


# Plausibility: what no real deployment reaches is a typo or a wrong unit, and one such figure
# swamps the portfolio's totals. The one place these rules live: the model's fields and ``clean``
# carry them, so the profile form and the API (through ``profile_update``'s ``full_clean``) refuse
# the same values with the same words.

#: Ten billion requests a month is about 3,800 a second around the clock, for one project.
MAX_MONTHLY_REQUESTS = 10_000_000_000
#: The largest context windows in service hold one to two million tokens; an average request
#: filling one is not a workload.
MAX_INPUT_TOKENS = 1_000_000
#: No model in service writes more than about 128,000 tokens in one response.
MAX_OUTPUT_TOKENS = 128_000
MAX_PEAK_RATIO = Decimal("1000")
#: A hundred trillion tokens a month is beyond what any single deployment processes.
MAX_MONTHLY_TOKENS = 100_000_000_000_000


def validate_monthly_requests(value):
    if value is not None and value > MAX_MONTHLY_REQUESTS:
        raise ValidationError(
            "More than %(limit)s requests a month (about 3,800 a second, around the clock) is beyond any real "
            "deployment: check the figure and its unit.",
            code="implausible_volume",
            params={"limit": f"{MAX_MONTHLY_REQUESTS:,}"},
        )


def validate_input_tokens(value):
    if value is not None and value > MAX_INPUT_TOKENS:
        raise ValidationError(
            "An average of more than %(limit)s input tokens a request is beyond any real workload: give the "
            "average per request, not a total.",
            code="implausible_tokens",
            params={"limit": f"{MAX_INPUT_TOKENS:,}"},
        )


def validate_output_tokens(value):
    if value is not None and value > MAX_OUTPUT_TOKENS:
        raise ValidationError(
            "No model writes more than about %(limit)s tokens in one response: give the average per request.",
            code="implausible_tokens",
            params={"limit": f"{MAX_OUTPUT_TOKENS:,}"},
        )


def validate_peak_ratio(value):
    if value is not None and value < 1:
        raise ValidationError(
            "The peak-to-average ratio is at least 1: a peak is never below the average.", code="min_value"
        )
    if value is not None and value > MAX_PEAK_RATIO:
        raise ValidationError(
            "A peak more than %(limit)s times the average is beyond any real traffic.",
            code="max_value",
            params={"limit": f"{MAX_PEAK_RATIO:,}"},
        )


def monthly_tokens_error(monthly_requests, input_tokens, output_tokens) -> ValidationError | None:
    """Each figure plausible, together beyond any real deployment: the error for ``monthly_requests``."""
    figures = (monthly_requests, input_tokens, output_tokens)
    if not all(isinstance(figure, int) and figure >= 0 for figure in figures):
        return None  # a figure that is not a count has its own error already
    if monthly_requests > MAX_MONTHLY_REQUESTS or input_tokens > MAX_INPUT_TOKENS or output_tokens > MAX_OUTPUT_TOKENS:
        return None  # and so has one beyond its own limit
    total = monthly_requests * (input_tokens + output_tokens)
    if total <= MAX_MONTHLY_TOKENS:
        return None
    return ValidationError(
        "%(requests)s requests of %(tokens)s tokens each is %(total)s tokens a month, more than %(limit)s: beyond "
        "any real deployment. Check the volume and the tokens per request.",
        code="implausible_volume",
        params={
            "requests": f"{monthly_requests:,}",
            "tokens": f"{input_tokens + output_tokens:,}",
            "total": f"{total:,}",
            "limit": f"{MAX_MONTHLY_TOKENS:,}",
        },
    )


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

    monthly_requests = models.PositiveBigIntegerField(default=0, validators=[validate_monthly_requests])
    avg_input_tokens = models.PositiveIntegerField(
        default=1000, validators=[MinValueValidator(1), validate_input_tokens]
    )
    avg_output_tokens = models.PositiveIntegerField(default=300, validators=[validate_output_tokens])
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
        validators=[validate_peak_ratio],
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
        """The rules that tie fields together; each error names its field. A field refused on its own
        reads None here (``TenantOwned.full_clean``): a rule that reads it waits for a value it can read."""
        errors = {}
        if (
            self.residency == Residency.STRICT
            and self.residency_region is not None
            and not self.residency_region.strip()
        ):
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
        too_much = monthly_tokens_error(self.monthly_requests, self.avg_input_tokens, self.avg_output_tokens)
        if too_much is not None:
            errors["monthly_requests"] = too_much
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
