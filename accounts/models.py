"""People: who signs in, to the pages with a password or to the API with a bearer token.

What a person may do is not decided here: tenants, memberships and the permission service live in
``tenancy``, which builds on these models.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from core.changes import ChangeStamped


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


class ApiToken(ChangeStamped):
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

    # A token's use is not a change of the token: it is written by the requests it authenticates,
    # so a tool polling the tokens feed would see its own token listed again after every poll, and
    # the feed would never run dry. ``last_used_at`` is listed as of the token's last real change
    # (issued, revoked); the list without ``updated_since`` shows it current.
    unlisted_changes = frozenset({"last_used_at"})

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def scope_labels(self) -> list[str]:
        """The scopes as the pages name them (the API keeps the codes)."""
        labels = dict(self.Scope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]
