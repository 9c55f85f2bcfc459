"""IdempotencyRecord moves here from accounts: the table and its rows stay where they are.

State only (``SeparateDatabaseAndState``): accounts 0008 forgets the model, this creates it over
the existing table ``accounts_idempotencyrecord``, and the content type is relabelled.
"""

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.content_types import content_types_move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0007_idempotency_secret_withheld"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=200)),
                        ("method", models.CharField(max_length=8)),
                        ("path", models.CharField(max_length=500)),
                        ("body_digest", models.CharField(max_length=64)),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        (
                            "response_body",
                            models.JSONField(
                                blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True
                            ),
                        ),
                        ("secret_withheld", models.BooleanField(default=False)),
                        ("response_headers", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_idempotencyrecord",
                        "indexes": [models.Index(fields=["created_at"], name="idempotency_created")],
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_per_user")
                        ],
                    },
                ),
            ],
        ),
        content_types_move(models=["idempotencyrecord"], old_app="accounts", new_app="api"),
    ]
