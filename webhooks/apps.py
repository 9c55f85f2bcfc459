from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhooks: subscriptions, signed deliveries with retries; listens to the audit log."""

    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        # Importing the module connects the listener to the audit log's announcements.
        from webhooks import receivers  # noqa: F401
