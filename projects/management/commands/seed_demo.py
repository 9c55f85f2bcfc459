"""Load the demo portfolio: a few clients like those the delivery organisation serves, and their people.

Idempotent: running it again updates the same rows and resets the demo passwords.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Industry, Membership, Regulation, Role, Tenant, User
from accounts.services import membership_grant, tenant_create
from projects.models import Project
from projects.services.projects import project_create

TENANTS = [
    {
        "slug": "lotus",
        "name": "Lotus Soy Drinks",
        "industry": Industry.CONSUMER_BRAND,
        "regulations": [Regulation.PDPA_TH],
        "residency_region": "",
        "time_zone": "Asia/Bangkok",
        "projects": [
            ("LOT-CAMP", "Festival selfie campaign", "Consumer activation generating personalised festival cards."),
            ("LOT-SOCIAL", "Social reply assistant", "Drafts replies to comments on the brand's channels."),
            ("LOT-INSIGHT", "Campaign insight digest", "Weekly summary of campaign performance for marketing."),
        ],
    },
    {
        "slug": "monsoon",
        "name": "Monsoon Air",
        "industry": Industry.AVIATION,
        "regulations": [Regulation.PDPA_SG, Regulation.ISO_27001],
        "residency_region": "Singapore",
        "time_zone": "Asia/Singapore",
        "projects": [
            ("MON-DOCS", "Maintenance manual search", "Engineers query maintenance manuals and service bulletins."),
            ("MON-OPS", "Disruption rebooking helper", "Suggests rebooking options to the operations desk."),
            ("MON-CREW", "Crew roster Q&A", "Answers crew questions about rosters and rules."),
        ],
    },
    {
        "slug": "meridian",
        "name": "Meridian Card",
        "industry": Industry.FINANCIAL_SERVICES,
        "regulations": [Regulation.PDPA_TH, Regulation.PCI_DSS],
        "residency_region": "Thailand",
        "time_zone": "Asia/Bangkok",
        "projects": [
            ("MER-DISPUTE", "Card dispute triage", "Classifies and routes chargeback disputes."),
            ("MER-KYC", "KYC document review", "Extracts and checks identity documents for onboarding."),
            ("MER-AGENT", "Contact-centre copilot", "Suggests answers to agents from policy documents."),
        ],
    },
    {
        "slug": "coral",
        "name": "Coral Broadcasting",
        "industry": Industry.MEDIA,
        "regulations": [Regulation.PDPA_TH],
        "residency_region": "Thailand",
        "time_zone": "Asia/Bangkok",
        "projects": [
            ("COR-ARCHIVE", "News archive tagging", "Tags decades of broadcast archive for search."),
            ("COR-SUBS", "Subtitle drafting", "Drafts subtitles for programmes before human review."),
        ],
    },
]

# The demo delivery lead works for two clients only.
LEAD_TENANTS = ("lotus", "meridian")


class Command(BaseCommand):
    help = "Create or refresh the demo tenants, projects and accounts (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        admin = _user("admin", password, first_name="Ada", last_name="Admin", is_platform_admin=True)
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
        lead = _user("lead", password, first_name="Lee", last_name="Lead")
        accounts = [("admin", "platform admin, every tenant"), ("lead", f"delivery lead for {', '.join(LEAD_TENANTS)}")]

        for spec in TENANTS:
            tenant = Tenant.objects.filter(slug=spec["slug"]).first() or tenant_create(
                name=spec["name"],
                slug=spec["slug"],
                industry=spec["industry"],
                regulations=spec["regulations"],
                residency_region=spec["residency_region"],
                time_zone=spec["time_zone"],
            )
            for code, name, description in spec["projects"]:
                if not Project.objects.filter(tenant=tenant, code=code).exists():
                    project_create(
                        tenant=tenant,
                        name=name,
                        code=code,
                        description=description,
                        delivery_lead=lead if spec["slug"] in LEAD_TENANTS else None,
                    )
            if spec["slug"] in LEAD_TENANTS:
                membership_grant(tenant=tenant, user=lead, role=Role.DELIVERY_LEAD)
            for suffix, role, label in (
                ("admin", Role.CUSTOMER_ADMIN, "customer admin"),
                ("approver", Role.CUSTOMER_APPROVER, "customer approver"),
                ("viewer", Role.CUSTOMER_VIEWER, "customer viewer"),
            ):
                username = f"{tenant.slug}-{suffix}"
                person = _user(username, password, first_name=tenant.name.split()[0], last_name=suffix.title())
                membership_grant(tenant=tenant, user=person, role=role)
                accounts.append((username, f"{label}, {tenant.name}"))

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {Tenant.objects.count()} tenants, "
                f"{Project.objects.count()} projects, {Membership.objects.count()} roles."
            )
        )
        self.stdout.write(f"Demo accounts (password for all: {password}):")
        for username, description in accounts:
            self.stdout.write(f"  {username:<20} {description}")


def _user(username, password, **fields):
    user, _ = User.objects.update_or_create(username=username, defaults=fields)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
