"""Give the application's PostgreSQL role exactly the rights it needs, and no more on the audit log.

    python manage.py grant_app_role stagegate_app --password-env POSTGRES_APP_PASSWORD

Run it as the role that owns the tables (the one ``migrate`` runs as), after every ``migrate``; it is
idempotent. The application role may read and write every table, but on the audit log only SELECT
and INSERT: no UPDATE, DELETE or TRUNCATE, and, not owning the table, it can neither ALTER it nor
DISABLE its triggers. Default privileges give it the same rights on tables later migrations create
(run the command again anyway: it also takes back rights that are no longer wanted).
docs/deployment.md, "Database roles", explains the set-up.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit.models import AuditEvent

#: What the application does on every table but the audit log.
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
#: Tables the application only reads or appends to.
READ_ONLY = ["django_migrations"]


class Command(BaseCommand):
    help = "Grant the application's database role its rights (PostgreSQL; run as the tables' owner, after migrate)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the application connects as (not the tables' owner).")
        parser.add_argument(
            "--password-env",
            metavar="NAME",
            help="Environment variable holding the role's password: the role is created with it if missing, "
            "and its password set to it otherwise.",
        )

    def handle(self, *args, role, password_env, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL matter: the embedded SQLite has none.")
        password = None
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"{password_env} is empty: set the application role's password there.")
        with transaction.atomic(), connection.cursor() as cursor:
            self._ensure_role(cursor, role, password)
            self._grant(cursor, role)
        self.stdout.write(
            f"{role}: {TABLE_RIGHTS} on every table, SELECT and INSERT only on {AuditEvent._meta.db_table}, "
            "and the same on tables created later."
        )

    def _ensure_role(self, cursor, role, password):
        name = connection.ops.quote_name(role)
        cursor.execute(
            "SELECT rolsuper, pg_has_role(%s, current_user, 'MEMBER'), %s = current_user "
            "FROM pg_roles WHERE rolname = %s",
            [role, role, role],
        )
        found = cursor.fetchone()
        if found is None:
            if password is None:
                raise CommandError(f"There is no role {role}: create it, or pass --password-env to have it created.")
            cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
            return
        superuser, member_of_owner, is_owner = found
        if is_owner or member_of_owner or superuser:
            raise CommandError(
                f"{role} owns the tables (or is a superuser, or a member of their owner): it could alter the audit "
                "log and switch off its triggers. Give the application a role of its own."
            )
        if password is not None:
            cursor.execute(f"ALTER ROLE {name} LOGIN PASSWORD %s", [password])

    def _grant(self, cursor, role):
        name = connection.ops.quote_name(role)
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = (connection.ops.quote_name(value) for value in cursor.fetchone())
        audit = connection.ops.quote_name(AuditEvent._meta.db_table)
        for statement in [
            f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {name}",
            f"GRANT USAGE ON SCHEMA {schema} TO {name}",
            # From a clean slate, so rights granted by hand or by an older version are taken back.
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {name}",
            f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {name}",
            f"REVOKE UPDATE, DELETE ON {audit} FROM {name}",
            *(
                f"REVOKE INSERT, UPDATE, DELETE ON {connection.ops.quote_name(table)} FROM {name}"
                for table in READ_ONLY
            ),
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_RIGHTS} ON TABLES TO {name}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {name}",
        ]:
            cursor.execute(statement)
