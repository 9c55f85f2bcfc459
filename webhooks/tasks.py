from celery import shared_task

from webhooks import delivery


# The tasks keep the names they had in accounts, so beat entries and queued messages still resolve.
@shared_task(name="accounts.deliver_webhook")
def deliver_webhook(delivery_id: int):
    sent = delivery.attempt(delivery_id)
    return sent.status if sent else None


@shared_task(name="accounts.send_due_webhooks")
def send_due_webhooks():
    """Beat: every minute, the retries whose time has come; replaced secrets past their grace are erased."""
    delivery.previous_secrets_forget()
    due = delivery.due_deliveries()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
