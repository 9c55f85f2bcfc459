from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The shared API plumbing: base views, errors, authentication, throttles and idempotency."""

    name = "api"
    verbose_name = "API"

    def ready(self):
        # Every model serializer's date-time refuses a time without an offset (api.fields).
        from django.db import models
        from rest_framework import serializers

        from api.fields import AwareDateTimeField

        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = AwareDateTimeField

        # Every connection (not only the API's) reads timestamps with psycopg's C loader where it
        # answers as Django's own (core.postgres).
        from core import postgres

        postgres.connect()
