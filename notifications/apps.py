from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Notifications: what the audit log announces, told to the people it concerns, in the app and by email."""

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Importing the modules connects the listener to the audit log and registers the deploy checks.
        from notifications import checks, receivers  # noqa: F401
