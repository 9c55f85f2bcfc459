"""The provider certifications shipped with Stagegate (``fixtures/provider_certifications.json``),
and loading them. Takes the model class as an argument so that the data migration can pass its
historical model."""

import json
from pathlib import Path

PROVIDER_CERTIFICATIONS = Path(__file__).resolve().parent / "fixtures" / "provider_certifications.json"


def load_certifications(provider_certification) -> None:
    """Record the shipped certifications, each with its provider's source page and date (an
    existing row's source and date are brought up to the file's)."""
    data = json.loads(PROVIDER_CERTIFICATIONS.read_text())
    for provider in data["providers"]:
        for certification in provider["certifications"]:
            provider_certification.objects.update_or_create(
                provider=provider["provider"],
                region="",
                certification=certification,
                defaults={
                    "provider_name": provider["name"],
                    "verified_on": provider["listed_on"],
                    "source": provider["source"],
                },
            )
