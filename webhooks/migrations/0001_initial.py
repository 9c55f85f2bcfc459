"""The webhook models move here from accounts: their tables and rows stay where they are.

State only (``SeparateDatabaseAndState``): accounts 0010 forgets the models, this creates them over
the existing tables (``accounts_webhookendpoint``, ``accounts_webhookevent``,
``accounts_webhookdelivery``), and their content types are relabelled.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models

from core.content_types import content_types_move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0009_audit_event_to_audit"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WebhookEndpoint",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("url", models.URLField(max_length=500)),
                        ("description", models.CharField(blank=True, max_length=200)),
                        ("event_types", models.JSONField(blank=True, default=list, help_text="Empty: every event type.")),
                        ("secret", models.CharField(help_text="Signs every delivery with HMAC-SHA256.", max_length=128)),
                        ("previous_secret", models.CharField(blank=True, max_length=128)),
                        ("previous_secret_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("is_active", models.BooleanField(default=True)),
                        ("consecutive_failures", models.PositiveIntegerField(default=0)),
                        ("disabled_reason", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "tenant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.tenant"
                            ),
                        ),
                    ],
                    options={"db_table": "accounts_webhookendpoint", "ordering": ["tenant_id", "pk"]},
                ),
                migrations.CreateModel(
                    name="WebhookEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "event_type",
                            models.CharField(
                                choices=[
                                    ("project.created", "Project created"),
                                    ("project.updated", "Project updated"),
                                    ("project.stage_changed", "Project stage changed"),
                                    ("approval.requested", "Approval requested"),
                                    ("approval.approved", "Approval approved"),
                                    ("approval.rejected", "Approval rejected"),
                                    ("approval.expired", "Approval expired"),
                                    ("approval.cancelled", "Approval cancelled"),
                                    ("assessment.completed", "Assessment completed"),
                                    ("cost.recalculated", "Cost recalculated"),
                                ],
                                max_length=40,
                            ),
                        ),
                        ("body", models.TextField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "tenant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.tenant"
                            ),
                        ),
                    ],
                    options={"db_table": "accounts_webhookevent", "ordering": ["-created_at", "-pk"]},
                ),
                migrations.CreateModel(
                    name="WebhookDelivery",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("delivered", "Delivered"),
                                    ("failed", "Failed"),
                                    ("skipped", "Not sent: webhook switched off"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        (
                            "attempts",
                            models.JSONField(default=list, help_text="Every attempt: time, status code, duration, error."),
                        ),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "tenant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.tenant"
                            ),
                        ),
                        (
                            "endpoint",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="webhooks.webhookendpoint",
                            ),
                        ),
                        (
                            "event",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="webhooks.webhookevent",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_webhookdelivery",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")],
                    },
                ),
            ],
        ),
        content_types_move(
            models=["webhookendpoint", "webhookevent", "webhookdelivery"], old_app="accounts", new_app="webhooks"
        ),
    ]
