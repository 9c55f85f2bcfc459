"""Tenants (client organisations), people and their roles.

A user's reach is decided by two things only: a tenant-wide role (``Membership``) and, per
project, object permissions held in django-guardian's direct foreign-key tables. The rules that
turn these into "may see / change / approve" live in ``accounts.access``.
"""

import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible


class Regulation(models.TextChoices):
    GDPR = "gdpr", "GDPR (EU)"
    UK_GDPR = "uk_gdpr", "UK GDPR"
    PDPA_TH = "pdpa_th", "PDPA (Thailand)"
    PDPA_SG = "pdpa_sg", "PDPA (Singapore)"
    HIPAA = "hipaa", "HIPAA"
    PCI_DSS = "pci_dss", "PCI DSS"
    SOX = "sox", "SOX"
    DORA = "dora", "DORA"
    EU_AI_ACT = "eu_ai_act", "EU AI Act"
    ISO_27001 = "iso_27001", "ISO/IEC 27001"
    SOC2 = "soc2", "SOC 2"


class Industry(models.TextChoices):
    CONSUMER_BRAND = "consumer_brand", "Consumer brand"
    MEDIA = "media", "Media and broadcasting"
    AVIATION = "aviation", "Aviation and travel"
    FINANCIAL_SERVICES = "financial_services", "Financial services"
    HEALTHCARE = "healthcare", "Healthcare"
    PUBLIC_SECTOR = "public_sector", "Public sector"
    RETAIL = "retail", "Retail"
    OTHER = "other", "Other"


@deconstructible
class ChoiceListValidator:
    """A JSON list whose every item is one of ``allowed`` (values given, or a TextChoices' values)."""

    def __init__(self, allowed, *, what: str):
        self.allowed = tuple(allowed)
        self.what = what

    def __call__(self, value):
        if not isinstance(value, list):
            raise ValidationError("Give a list of %(what)s.", code="not_a_list", params={"what": self.what})
        unknown = sorted(set(map(str, value)) - set(self.allowed))
        if unknown:
            raise ValidationError(
                "Unknown %(what)s: %(codes)s. Allowed: %(allowed)s.",
                code="unknown_choice",
                params={"what": self.what, "codes": ", ".join(unknown), "allowed": ", ".join(self.allowed)},
            )

    def __eq__(self, other):
        return isinstance(other, ChoiceListValidator) and (self.allowed, self.what) == (other.allowed, other.what)


validate_regulations = ChoiceListValidator(Regulation.values, what="regulation codes")


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not an IANA time zone name.", code="unknown_time_zone", params={"value": value}
        )


class Tenant(models.Model):
    """A client organisation. Everything that belongs to a client carries its tenant."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    industry = models.CharField(max_length=32, choices=Industry.choices, default=Industry.OTHER)
    regulations = models.JSONField(
        default=list, blank=True, validators=[validate_regulations], help_text="Regulations in scope."
    )
    residency_region = models.CharField(
        "default data-residency region",
        max_length=64,
        blank=True,
        help_text="Where the client's data must stay unless a project agrees otherwise, e.g. 'EU' or 'Thailand'.",
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TenantOwnedQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)

    def restrict(self, user, action):
        """The rows ``user`` may act on with ``action``; see ``accounts.access.restrict``."""
        from accounts.access import restrict  # noqa: PLC0415 - a cycle until tenancy gets its own room (issue 13)

        return restrict(self, user=user, action=action)


class TenantOwned(models.Model):
    """Base of every model that belongs to one tenant: the tenant id is on every such table."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        abstract = True


class Role(models.TextChoices):
    """Roles granted per tenant (``Membership``) or per project (object permissions).

    Platform admin is not granted per tenant: it is ``User.is_platform_admin``. A service
    account is a kind of user (``User.Kind.SERVICE_ACCOUNT``) that holds one of these roles.
    """

    DELIVERY_LEAD = "delivery_lead", "Delivery lead"
    ENGINEER = "engineer", "Engineer"
    CUSTOMER_ADMIN = "customer_admin", "Customer admin"
    CUSTOMER_APPROVER = "customer_approver", "Customer approver"
    CUSTOMER_VIEWER = "customer_viewer", "Customer viewer"

    @property
    def is_client_side(self):
        return self in {Role.CUSTOMER_ADMIN, Role.CUSTOMER_APPROVER, Role.CUSTOMER_VIEWER}


class StagegateUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_platform_admin", True)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        SERVICE_ACCOUNT = "service_account", "Service account"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    is_platform_admin = models.BooleanField(
        default=False, help_text="Delivery-organisation operator with every right in every tenant."
    )

    objects = StagegateUserManager()

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_service_account(self):
        return self.kind == self.Kind.SERVICE_ACCOUNT


class Membership(TenantOwned):
    """A user's tenant-wide role.

    With ``all_projects`` off the role is narrowed: it reaches only the projects on which the
    user holds object permissions, while tenant-level pages (settings, members) still apply.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    all_projects = models.BooleanField(
        default=True, help_text="Off: the role applies only to projects granted one by one."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_one_role_per_tenant"),
        ]
        indexes = [models.Index(fields=["user", "tenant", "role"], name="membership_user_tenant_role")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} in {self.tenant}"
