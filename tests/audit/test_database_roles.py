"""The audit log on PostgreSQL, as deployed: migrations run as the tables' owner, the application as a
role granted by ``manage.py grant_app_role``, which can append to the log and never change it."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AuditEvent
from tenancy.models import Tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "app-role-test-password"
INSERT_EVENT = (
    "INSERT INTO accounts_auditevent (actor_name, action, object_type, object_id, object_repr, source, request_id,"
    " created_at) VALUES ('app', 'test.appended', 'test', '1', 'x', 'system', '', now()) RETURNING id"
)


def connect(role=None):
    """A connection of its own to the test database, as ``role`` (the owner, the test runner's role, by default)."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=role or db["USER"],
        password=PASSWORD if role else db["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def app_role(monkeypatch):
    role = f"stagegate_app_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("TEST_APP_ROLE_PASSWORD", PASSWORD)
    call_command("grant_app_role", role, password_env="TEST_APP_ROLE_PASSWORD")
    yield role
    with connect() as owner:
        owner.execute(f'DROP OWNED BY "{role}"')  # its privileges and default privileges
        owner.execute(f'DROP ROLE "{role}"')


def refused(app, statement) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        app.execute(statement)
    return str(error.value)


def test_the_application_role_appends_to_the_audit_log_and_cannot_change_it(app_role):
    with connect(app_role) as app:
        event_id = app.execute(INSERT_EVENT).fetchone()[0]
        assert app.execute("SELECT action FROM accounts_auditevent WHERE id = %s", [event_id]).fetchone() == (
            "test.appended",
        )
        assert "permission denied" in refused(app, "UPDATE accounts_auditevent SET action = 'tampered'")
        assert "permission denied" in refused(app, "DELETE FROM accounts_auditevent")
        assert "permission denied" in refused(app, "TRUNCATE accounts_auditevent")
        assert "must be owner" in refused(
            app, "ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_append_only"
        )
        assert "must be owner" in refused(app, "ALTER TABLE accounts_auditevent DISABLE TRIGGER ALL")
        assert "must be owner" in refused(app, "DROP TABLE accounts_auditevent")
    assert AuditEvent.objects.get(pk=event_id).action == "test.appended"


def test_the_application_role_works_normally_everywhere_else(app_role):
    with connect(app_role) as app:
        tenant_id = app.execute(
            "INSERT INTO accounts_tenant (name, slug, industry, regulations, residency_region, time_zone, is_active,"
            " created_at, updated_at) VALUES ('Roles', 'roles', 'other', '[]', '', 'UTC', true, now(), now())"
            " RETURNING id"
        ).fetchone()[0]  # a sequence's next value too
        app.execute("UPDATE accounts_tenant SET name = 'Roles Ltd' WHERE id = %s", [tenant_id])
        app.execute("DELETE FROM accounts_tenant WHERE id = %s", [tenant_id])
        assert app.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
        refused(app, "DELETE FROM django_migrations")
        refused(app, "CREATE TABLE intruder (id int)")


def test_tables_created_by_later_migrations_are_granted_by_default(app_role):
    with connect() as owner:
        owner.execute("CREATE TABLE later_migration (id bigserial PRIMARY KEY, note text)")
    try:
        with connect(app_role) as app:
            app.execute("INSERT INTO later_migration (note) VALUES ('new table, same rights')")
            assert app.execute("SELECT note FROM later_migration").fetchone() == ("new table, same rights",)
    finally:
        with connect() as owner:
            owner.execute("DROP TABLE later_migration")


def test_granting_again_is_harmless_and_takes_back_rights_given_by_hand(app_role):
    with connect() as owner:
        owner.execute(f'GRANT UPDATE, DELETE, TRUNCATE ON accounts_auditevent TO "{app_role}"')
    call_command("grant_app_role", app_role)
    call_command("grant_app_role", app_role)
    with connect(app_role) as app:
        app.execute(INSERT_EVENT)
        refused(app, "UPDATE accounts_auditevent SET action = 'tampered'")
        refused(app, "TRUNCATE accounts_auditevent")


def test_the_owner_is_not_accepted_as_the_application_role():
    owner = connection.settings_dict["USER"]
    with pytest.raises(CommandError, match="owns the tables"):
        call_command("grant_app_role", owner)
    with pytest.raises(CommandError, match="There is no role"):
        call_command("grant_app_role", f"missing_{uuid.uuid4().hex[:8]}")


def test_truncate_is_refused_even_to_the_owner():
    with connect() as owner:
        owner.execute(INSERT_EVENT)
        with owner.transaction(force_rollback=True):
            # The test runner's flush empties every table between tests, so tests/conftest.py switches the
            # guard off in the test database; switched on here (until the rollback) as every migrated
            # database has it.
            owner.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER accounts_auditevent_no_truncate")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                owner.execute("TRUNCATE accounts_auditevent")
        assert owner.execute("SELECT count(*) FROM accounts_auditevent").fetchone()[0] == 1
        assert owner.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'accounts_auditevent_no_truncate'"
        ).fetchone() == ("D",), "left as the test runner needs it"


def test_the_product_runs_as_the_application_role(app_role):
    """The services, through Django, as web and worker run them: a write and its audit event."""
    db = connection.settings_dict
    url = f"postgres://{app_role}:{PASSWORD}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    script = (
        "from tenancy.services import tenant_create, tenant_update\n"
        "tenant = tenant_create(name='Role Test', slug='role-test', industry='other')\n"
        "tenant_update(tenant=tenant, name='Role Test Ltd')\n"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    tenant = Tenant.objects.get(slug="role-test")
    assert tenant.name == "Role Test Ltd"
    actions = AuditEvent.objects.filter(object_type="accounts.tenant", object_id=str(tenant.pk))
    assert sorted(actions.values_list("action", flat=True)) == ["tenant.created", "tenant.updated"]
