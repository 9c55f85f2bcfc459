"""Generate a large portfolio for benchmarks: ``python manage.py generate_portfolio``.

    python manage.py generate_portfolio --tenants 1000 --projects 50000 --seed 1

Writes into the configured database, in one transaction, next to whatever is there: usernames and
client slugs start with ``--prefix`` (a prefix already used is refused). Meant for a database
made for the purpose (``make bench`` creates a fresh one): the audit log it fills cannot be
cleared row by row.
"""

from django.core.management.base import BaseCommand, CommandError

from tooling.portfolio import PortfolioSpec, portfolio_generate


class Command(BaseCommand):
    help = "Create a large, realistic portfolio (clients, people, projects, grants, approvals, audit) in bulk."

    def add_arguments(self, parser):
        defaults = PortfolioSpec()
        parser.add_argument("--tenants", type=int, default=defaults.tenants)
        parser.add_argument("--projects", type=int, default=defaults.projects)
        parser.add_argument(
            "--permission-rows",
            type=int,
            default=defaults.permission_rows,
            help="Rows of per-project permissions (django-guardian's direct table).",
        )
        parser.add_argument("--audit-events", type=int, default=defaults.audit_events)
        parser.add_argument("--approval-requests", type=int, default=defaults.approval_requests)
        parser.add_argument(
            "--lead-tenants", type=int, default=defaults.lead_tenants, help="Clients the delivery lead works for."
        )
        parser.add_argument(
            "--evaluated",
            type=int,
            default=defaults.evaluated,
            help="Projects run through the real estimate and assessment services.",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--prefix", default=defaults.prefix, help="Start of every username and client slug.")
        parser.add_argument("--password", default=defaults.password, help="Password of every generated person.")

    def handle(self, *args, **options):
        spec = PortfolioSpec(
            tenants=options["tenants"],
            projects=options["projects"],
            permission_rows=options["permission_rows"],
            audit_events=options["audit_events"],
            approval_requests=options["approval_requests"],
            lead_tenants=options["lead_tenants"],
            evaluated=options["evaluated"],
            seed=options["seed"],
            prefix=options["prefix"],
            password=options["password"],
        )
        verbose = options["verbosity"] > 1
        try:
            result = portfolio_generate(spec, log=(lambda line: self.stdout.write(f"  {line}")) if verbose else None)
        except ValueError as error:
            raise CommandError(str(error)) from None
        total = sum(result.seconds.values())
        self.stdout.write(self.style.SUCCESS(f"Portfolio generated in {total:.0f} s (seed {spec.seed}):"))
        for name, count in result.counts.items():
            self.stdout.write(f"  {name:<30} {count:>9,}")
        self.stdout.write(f"Projects evaluated by the real estimate and assessment services: {result.evaluated}")
        self.stdout.write(f"Accounts (password: {result.password}):")
        for role, username in result.usernames.items():
            self.stdout.write(f"  {username:<20} {role.replace('_', ' ')}")
