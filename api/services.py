"""Writes of the shared API plumbing: forgetting Idempotency-Keys whose time has passed."""

from api.models import IdempotencyRecord


def idempotency_records_expire() -> int:
    """Remove the Idempotency-Key records that no longer hold their key (beat, hourly). Returns how many."""
    deleted, _ = IdempotencyRecord.objects.stale().delete()
    return deleted
