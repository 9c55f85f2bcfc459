"""Tenants (client organisations), people and their roles.

A user's reach is decided by two things only: a tenant-wide role (``Membership``) and, per
project, object permissions held in django-guardian's direct foreign-key tables. The rules that
turn these into "may see / change / approve" live in ``accounts.access``.
"""

import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
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
        from accounts.access import restrict

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


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One change, as it happened. Append-only: the database itself refuses UPDATE and DELETE.

    Who, tenant and project are plain references without foreign-key constraints, so that nothing
    deleted elsewhere can ever cascade into (or be blocked by) the log.
    """

    class Source(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API"
        TASK = "task", "Task"
        ADMIN = "admin", "Admin"
        SYSTEM = "system", "System"

    tenant = models.ForeignKey(
        Tenant, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="audit_tenant_time"),
            models.Index(fields=["tenant", "project_id", "created_at"], name="audit_tenant_project_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self):
        return f"{self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("An audit event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("An audit event cannot be deleted.")


class ApiToken(models.Model):
    """A bearer token for a person or a service account. Only a digest of the secret is stored."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"
        APPROVE = "approve", "Approve"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="The public part, to find the token.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the whole token.")
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class IdempotencyRecord(models.Model):
    """The first response to a POST with an ``Idempotency-Key``, replayed for retries of the same request."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self):
        return f"{self.key} ({self.status_code or 'in progress'})"
