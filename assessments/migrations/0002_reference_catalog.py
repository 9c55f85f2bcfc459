"""Ship the reference GPU prices, throughput profiles and hardware profiles with their sources."""

from django.db import migrations

from assessments.reference import load_reference


def load(apps, schema_editor):
    load_reference(
        apps.get_model("assessments", "GpuInstancePrice"),
        apps.get_model("assessments", "ThroughputProfile"),
        apps.get_model("assessments", "HardwareProfile"),
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
