"""AuditEvent moves here from accounts: the table, its rows and its triggers stay where they are.

State only (``SeparateDatabaseAndState``): accounts 0009 forgets the model, this creates it over
the existing table ``accounts_auditevent`` (whose PostgreSQL triggers accounts 0002 and 0006 keep
creating on a new database), and the content type is relabelled.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.content_types import content_types_move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0008_idempotency_record_to_api"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("actor_name", models.CharField(blank=True, max_length=150)),
                        ("action", models.CharField(max_length=64)),
                        ("object_type", models.CharField(max_length=64)),
                        ("object_id", models.CharField(max_length=64)),
                        ("object_repr", models.CharField(blank=True, max_length=200)),
                        ("project_id", models.BigIntegerField(blank=True, null=True)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("web", "Web"),
                                    ("api", "API"),
                                    ("task", "Task"),
                                    ("admin", "Admin"),
                                    ("system", "System"),
                                ],
                                max_length=8,
                            ),
                        ),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_auditevent",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(fields=["tenant", "created_at"], name="audit_tenant_time"),
                            models.Index(fields=["tenant", "project_id", "created_at"], name="audit_tenant_project_time"),
                            models.Index(fields=["object_type", "object_id"], name="audit_object"),
                        ],
                    },
                ),
            ],
        ),
        content_types_move(models=["auditevent"], old_app="accounts", new_app="audit"),
    ]
