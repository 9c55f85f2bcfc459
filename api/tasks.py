from celery import shared_task

from api import services


# The task keeps the name it had in accounts, so beat entries and queued messages still resolve.
@shared_task(name="accounts.expire_idempotency_records")
def expire_idempotency_records():
    """Beat: every hour, forget the Idempotency-Keys past their time (``IDEMPOTENCY_KEY_TTL_HOURS``)."""
    return services.idempotency_records_expire()
