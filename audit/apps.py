from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only audit log: recording, request context, the log's API and export."""

    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        # Importing the module connects the sign-in, failed sign-in and sign-out receivers.
        from audit import receivers  # noqa: F401
