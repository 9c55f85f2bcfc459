"""The shipped provider certifications name the page each provider publishes them on."""

from django.db import migrations

from assessments.certification_catalog import load_certifications


def load(apps, schema_editor):
    load_certifications(apps.get_model("assessments", "ProviderCertification"))


class Migration(migrations.Migration):
    dependencies = [("assessments", "0010_cost_plan_redundancy")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
