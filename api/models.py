"""The records that make POSTs safe to retry (``Idempotency-Key``), kept by the shared API plumbing."""

import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class IdempotencyRecordQuerySet(models.QuerySet):
    def stale(self, *, now=None):
        """Records that no longer hold their key: older than ``IDEMPOTENCY_KEY_TTL_HOURS``, or claims
        still unfinished after ``IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS`` (longer than any request may
        run, so the process that made them died before it answered)."""
        now = now or timezone.now()
        expired = now - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
        abandoned = now - datetime.timedelta(seconds=settings.IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS)
        return self.filter(
            models.Q(created_at__lt=expired) | models.Q(status_code__isnull=True, created_at__lt=abandoned)
        )


class IdempotencyRecord(models.Model):
    """The first response to a POST with an ``Idempotency-Key``, replayed for retries of the same request.

    A record holds its key while the request runs and, once it answered (below 500), for
    ``IDEMPOTENCY_KEY_TTL_HOURS``; a stale one is treated as absent and removed by beat.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    #: The answer carried a secret shown once: its body was not kept and a retry is told so.
    secret_withheld = models.BooleanField(default=False)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IdempotencyRecordQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when this model lived in accounts (no data moved).
        db_table = "accounts_idempotencyrecord"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self):
        return f"{self.key} ({self.status_code or 'in progress'})"
