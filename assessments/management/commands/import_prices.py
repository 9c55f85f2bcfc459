"""Import API model prices from genai-prices' bundled data: ``python manage.py import_prices``."""

from django.core.management.base import BaseCommand

from assessments.tasks import import_prices


class Command(BaseCommand):
    help = "Import API prices as dated catalog entries; changed prices trigger recalculation of their projects."

    def handle(self, *args, **options):
        result = import_prices()
        self.stdout.write(
            self.style.SUCCESS(f"{result['created']} new price entries; {len(result['changed'])} changed models.")
        )
        for key in result["changed"]:
            self.stdout.write(f"  changed: {key}")
