from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The shared API plumbing: base views, errors, authentication, throttles and idempotency."""

    name = "api"
    verbose_name = "API"
