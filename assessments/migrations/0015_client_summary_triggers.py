"""The triggers that keep the clients' portfolio figures (``projects.ClientSummary``), and the rows
computed once from what is there (``assessments.summary_triggers``)."""

from django.db import migrations

from assessments import summary_triggers

# Frozen here: the values of the day. Another value needs a column and a migration that installs
# the triggers again with the new lists.
COLUMNS = summary_triggers.figures(
    stages=["discovery", "proof_of_concept", "pilot", "rollout", "production", "paused", "retired"],
    models=["managed_application", "customer_cloud"],
    readiness=["ready", "at_risk", "blocked", "not_assessed"],
    approaches=["cloud_api", "self_hosted_cloud", "on_premises", "hybrid"],
)


def install(apps, schema_editor):
    summary_triggers.install(schema_editor, COLUMNS)
    for statement in summary_triggers.rebuild(COLUMNS):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    summary_triggers.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0014_job_certification_updated_at"),
        ("projects", "0012_client_summary"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
