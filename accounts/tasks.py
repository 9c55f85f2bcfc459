from celery import shared_task

from accounts import services, webhooks


@shared_task(name="accounts.deliver_webhook")
def deliver_webhook(delivery_id: int):
    delivery = webhooks.attempt(delivery_id)
    return delivery.status if delivery else None


@shared_task(name="accounts.send_due_webhooks")
def send_due_webhooks():
    """Beat: every minute, the retries whose time has come; replaced secrets past their grace are erased."""
    webhooks.previous_secrets_forget()
    due = webhooks.due_deliveries()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)


@shared_task(name="accounts.expire_idempotency_records")
def expire_idempotency_records():
    """Beat: every hour, forget the Idempotency-Keys past their time (``IDEMPOTENCY_KEY_TTL_HOURS``)."""
    return services.idempotency_records_expire()
