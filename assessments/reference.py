"""The reference catalog shipped with Stagegate: published GPU prices, throughput and hardware
profiles, each with its source and date (``fixtures/reference_catalog.json``).

Takes the model classes as arguments so that the data migration can pass its historical models.
"""

import json
from decimal import Decimal
from pathlib import Path

REFERENCE_CATALOG = Path(__file__).resolve().parent / "fixtures" / "reference_catalog.json"


def load_reference(gpu_instance_price, throughput_profile, hardware_profile) -> None:
    data = json.loads(REFERENCE_CATALOG.read_text())
    for row in data["gpu_instances"]:
        gpu_instance_price.objects.update_or_create(
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
    # A data migration passes the model as it stood then: only the fields it had are filled.
    throughput_fields = {field.name for field in throughput_profile._meta.get_fields()}
    for row in data["throughput"]:
        throughput_profile.objects.update_or_create(
            size_class=row["size_class"],
            gpu_type=row["gpu_type"],
            gpus=row["gpus"],
            engine=row["engine"],
            defaults={
                name: value
                for name, value in {
                    "output_tokens_per_second": Decimal(row["tps"]),
                    "measured_input_tokens": row.get("measured_in"),
                    "measured_output_tokens": row.get("measured_out"),
                    "prefill_tokens_per_second": Decimal(row["prefill"]) if row.get("prefill") else None,
                    "decode_tokens_per_second": Decimal(row["decode"]) if row.get("decode") else None,
                    "latency_target_ms": row["latency_target_ms"],
                    "measured_on": row["date"],
                    "source": row["source"],
                }.items()
                if name in throughput_fields
            },
        )
    for row in data["hardware"]:
        hardware_profile.objects.update_or_create(
            name=row["name"],
            defaults={key: row[key] for key in ("gpu_type", "gpus", "life_months", "as_of", "source")}
            | {"capital_cost": Decimal(row["capital_cost"]), "kw": Decimal(row["kw"])},
        )
