"""On SQLite, the summary triggers of deletions take away from existing rows only
(``assessments.summary_triggers.sqlite_install``): installed again with 0015's frozen columns."""

from importlib import import_module

from django.db import migrations

from assessments import summary_triggers

COLUMNS = import_module("assessments.migrations.0015_client_summary_triggers").COLUMNS


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        summary_triggers.install(schema_editor, COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0015_client_summary_triggers")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop, elidable=False)]
