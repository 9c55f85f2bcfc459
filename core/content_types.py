"""Moving a model to another app without moving its rows: its content type follows it.

A model that changes app keeps its table (``db_table``), but Django knows its content type by
app label. Renaming the existing ``django_content_type`` row, instead of letting ``migrate``
create a new one, keeps everything attached to it: permissions, guardian's object permissions,
admin log entries. On a new database there is no row yet and nothing is done.
"""

from django.db import migrations


def content_types_move(*, models: list[str], old_app: str, new_app: str) -> migrations.RunPython:
    """A migration operation that relabels the content types of ``models`` from ``old_app`` to ``new_app``."""

    def relabel(from_app: str, to_app: str):
        def run(apps, schema_editor):
            ContentType = apps.get_model("contenttypes", "ContentType")
            db = schema_editor.connection.alias
            for model in models:
                if ContentType.objects.using(db).filter(app_label=to_app, model=model).exists():
                    continue  # already there (a database migrated by hand): keep what holds the permissions
                ContentType.objects.using(db).filter(app_label=from_app, model=model).update(app_label=to_app)

        return run

    return migrations.RunPython(relabel(old_app, new_app), relabel(new_app, old_app))
