"""Tenants (client organisations), their members and roles.

A user's reach is decided by two things only: a tenant-wide role (``Membership``) and, per
project, object permissions held in django-guardian's direct foreign-key tables. The rules that
turn these into "may see / change / approve" live in ``tenancy.access``.

The tables keep the names they had when these models lived in ``accounts`` (``db_table``), and
audit events keep calling them ``accounts.tenant`` and ``accounts.membership`` so that a record's
history reads the same before and after the move.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from core.changes import ChangeStamped, ChangeStampedQuerySet
from core.validators import ChoiceListValidator, validate_time_zone


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


validate_regulations = ChoiceListValidator(Regulation.values, what="regulation codes")


class Tenant(ChangeStamped):
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

    audit_object_type = "accounts.tenant"

    class Meta:
        db_table = "accounts_tenant"
        ordering = ["name"]

    def __str__(self):
        return self.name


class TenantOwnedQuerySet(ChangeStampedQuerySet):
    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)


class TenantOwned(models.Model):
    """Base of every model that belongs to one tenant: the tenant id is on every such table."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        abstract = True

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        """Django's, except that the rules between fields (``clean()``) never read a value its own
        field refused. Django runs ``clean()`` even then, on the value as it was given: a body's
        ``"peak_ratio": "0.505"`` (two decimal places at most) reached the profile's rule for spiky
        traffic as text, compared with a number, and was a 500. Here a refused field reads as not
        given (None) while the rest is checked, then holds what was given again; every refusal is
        said at once: each refused field's own, and the rules' on the other fields."""
        try:
            self.clean_fields(exclude=exclude)
        except ValidationError as refused:
            errors = refused.update_error_dict({})
            names = [name for name in errors if name != NON_FIELD_ERRORS]
            given = {field.attname: getattr(self, field.attname) for field in map(self._meta.get_field, names)}
            try:
                for attname in given:
                    setattr(self, attname, None)
                super().full_clean(
                    exclude={*(exclude or ()), *names},
                    validate_unique=validate_unique,
                    validate_constraints=validate_constraints,
                )
            except ValidationError as more:
                # A rule between fields that names a field already refused read it as not given:
                # the field's own refusal is the one said.
                errors |= {name: found for name, found in more.update_error_dict({}).items() if name not in errors}
            finally:
                for name, value in given.items():
                    setattr(self, name, value)
            raise ValidationError(errors) from None
        super().full_clean(exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints)


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


class Membership(TenantOwned):
    """A user's tenant-wide role.

    With ``all_projects`` off the role is narrowed: it reaches only the projects on which the
    user holds object permissions, while tenant-level pages (settings, members) still apply.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    all_projects = models.BooleanField(
        default=True, help_text="Off: the role applies only to projects granted one by one."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_object_type = "accounts.membership"

    class Meta:
        db_table = "accounts_membership"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_one_role_per_tenant"),
        ]
        indexes = [models.Index(fields=["user", "tenant", "role"], name="membership_user_tenant_role")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} in {self.tenant}"
