"""Ship the reference GPU prices, throughput profiles and hardware profiles with their sources."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "reference_catalog.json"


def load(apps, schema_editor):
    data = json.loads(FIXTURE.read_text())
    GpuInstancePrice = apps.get_model("assessments", "GpuInstancePrice")
    ThroughputProfile = apps.get_model("assessments", "ThroughputProfile")
    HardwareProfile = apps.get_model("assessments", "HardwareProfile")
    for row in data["gpu_instances"]:
        GpuInstancePrice.objects.update_or_create(
            provider="aws",
            instance_type=row["instance_type"],
            region="us-east-1",
            effective_from=data["gpu_instances_date"],
            defaults={
                "gpu_type": row["gpu_type"],
                "gpus": row["gpus"],
                "hourly": Decimal(row["hourly"]),
                "reserved_hourly": Decimal(row["reserved_hourly"]) if row["reserved_hourly"] else None,
                "source": data["gpu_instances_source"],
            },
        )
    for row in data["throughput"]:
        ThroughputProfile.objects.update_or_create(
            size_class=row["size_class"],
            gpu_type=row["gpu_type"],
            gpus=row["gpus"],
            engine=row["engine"],
            defaults={
                "output_tokens_per_second": Decimal(row["tps"]),
                "latency_target_ms": row["latency_target_ms"],
                "measured_on": row["date"],
                "source": row["source"],
            },
        )
    for row in data["hardware"]:
        HardwareProfile.objects.update_or_create(
            name=row["name"],
            defaults={
                "gpu_type": row["gpu_type"],
                "gpus": row["gpus"],
                "capital_cost": Decimal(row["capital_cost"]),
                "kw": Decimal(row["kw"]),
                "life_months": row["life_months"],
                "as_of": row["as_of"],
                "source": row["source"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
