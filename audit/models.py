"""The append-only audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from audit.context import Source
from tenancy.models import Tenant


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

    Source = Source

    tenant = models.ForeignKey(
        Tenant, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
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
        # The table keeps the name it had in accounts: no rows move, and its PostgreSQL triggers
        # (accounts migrations 0002 and 0006) and the database roles keep naming it.
        db_table = "accounts_auditevent"
        # Django's own paths (``_base_manager``: related access, saving, deleting) use the same
        # queryset as everyone: no door to a plain UPDATE or DELETE is left open.
        base_manager_name = "objects"
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
        # Always an INSERT: an unsaved instance carrying a used id must not turn into an UPDATE.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("An audit event cannot be deleted.")
