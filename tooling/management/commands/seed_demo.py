"""Load the demo portfolio (idempotent): ``python manage.py seed_demo``."""

from django.conf import settings
from django.core.management.base import BaseCommand

from projects.models import ApprovalRequest, Project
from tenancy.models import Membership, Tenant
from tooling.demo import load_demo


class Command(BaseCommand):
    help = "Create or refresh the demo tenants, projects, approvals and accounts (idempotent)."

    def handle(self, *args, **options):
        accounts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {Tenant.objects.count()} tenants, {Project.objects.count()} projects, "
                f"{Membership.objects.count()} roles, "
                f"{ApprovalRequest.objects.filter(status='pending').count()} pending approvals."
            )
        )
        self.stdout.write(f"Demo accounts (password for all: {settings.DEMO_PASSWORD}):")
        for username, description in accounts:
            self.stdout.write(f"  {username:<20} {description}")
