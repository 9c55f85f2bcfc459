"""Upgrading keeps every row: ``migrate`` from the last release's migrations on a filled PostgreSQL database.

A release that reshapes the apps (models moving to other apps with their tables kept) must bring a
deployed database to the new migration state without losing, moving or rewriting a row. The test
database cannot show that: it is built from the latest migrations, empty. So this test makes a
scratch database of its own on the same server, migrates it to the release's baseline
(``PRE_CHANGE_MIGRATIONS``), fills it with the benchmark's generated portfolio, takes the row
count of every table and a checksum of the rows of the most important ones, migrates it to the
latest state as a deployment would, and compares. The scratch database is dropped however the
test ends (the audit log's trigger refuses to empty it row by row, not to drop it).

Each step runs ``manage.py`` in a subprocess, as an operator would, so nothing of this process's
app registry or connections leaks into the migrations being tested.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.db import connection
from psycopg import sql

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]

#: The last release's migration state of each of Stagegate's own apps: where a deployed database
#: stands before it upgrades. Update it only when a new release's baseline changes (to that
#: release's leaf migrations, once it is out), never to make this test pass: every migration added
#: after it must carry such a database forward with its rows. An app created since the baseline is
#: not listed (its migrations run in the upgrade). The apps of packages (auth, guardian, axes...)
#: are not part of the baseline: they are migrated to their latest before the fill.
PRE_CHANGE_MIGRATIONS = {
    "accounts": "0007_idempotency_secret_withheld",
    "projects": "0002_decision_relayed_by",
    "deployments": "0002_routing_rule_api_model_format",
    "assessments": "0005_results_history_is_a_line",
}

#: The fill: ``generate_portfolio --projects 2000``, with the other sizes scaled down from the
#: benchmark's portfolio in the same proportion (its defaults are for 50,000 projects), so every
#: table the generator writes has rows and the test stays within a couple of minutes.
PORTFOLIO = {
    "--tenants": 40,
    "--projects": 2000,
    "--permission-rows": 8000,
    "--audit-events": 20000,
    "--approval-requests": 800,
    "--lead-tenants": 8,
    # None through the estimate and assessment services: they are today's code and read columns
    # added since the baseline (gate evidence's expiry); the generator's own writes leave out such
    # columns (tooling/portfolio/writer.py), so every table still gets its rows.
    "--evaluated": 0,
    "--seed": 13,
}

#: Tables whose rows must come through byte for byte: people, clients and their roles, the audit
#: log, projects, approvals and per-project grants. Every other table keeps its row count.
CHECKSUMMED_TABLES = (
    "accounts_tenant",
    "accounts_user",
    "accounts_membership",
    "accounts_auditevent",
    "projects_project",
    "projects_approvalrequest",
    "projects_approvaldecision",
    "projects_projectuserobjectpermission",
)

#: Django's own records, which an upgrade adds to (the migrations applied; the content types and
#: permissions of models in apps new since the baseline): their rows may only grow.
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


@pytest.fixture
def scratch_database():
    """A database of its own on the test server, dropped at the end whether the test passed or not."""
    server = connection.settings_dict
    name = f"stagegate_upgrade_{os.getpid()}"
    params = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    credentials = quote(params["user"], safe="") + (
        f":{quote(params['password'], safe='')}" if params["password"] else ""
    )
    url = f"postgres://{credentials}@{params['host']}:{params['port']}/{name}"
    try:
        yield url, params | {"dbname": name}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(database_url, *args):
    """``manage.py`` on the scratch database with the test settings; fails the test with its output."""
    environment = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.test")
    # Without REDIS_URL the generator's follow-up tasks run in its own process, on the scratch
    # database, instead of waiting in the test run's Redis for another test's worker.
    environment.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-5000:]}"
    return result.stdout


def package_apps_with_migrations() -> list[str]:
    """The installed apps with migrations that come from packages (Django's own, guardian, axes), not
    from a top-level folder of this repository (a virtualenv inside it holds packages too)."""
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent != ROOT and (Path(config.path) / "migrations").is_dir()
    ]


def snapshot(params, *, columns=None) -> tuple[dict[str, int], dict[str, str], dict[str, list[str]]]:
    """Row counts of every table, and a checksum of each checksummed table's rows.

    A checksum is the md5 of the table's rows as text, sorted, over ``columns`` (the columns the
    table had before the upgrade), so a column an upgrade adds does not count as a changed row while
    a column it drops or renames fails the query.
    """
    with psycopg.connect(**params) as database:
        tables = database.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        ).fetchall()
        counts = {
            table: database.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for (table,) in tables
        }
        if columns is None:
            columns = {
                table: [
                    name
                    for (name,) in database.execute(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                        [table],
                    )
                ]
                for table in CHECKSUMMED_TABLES
            }
        checksums = {}
        for table, names in columns.items():
            query = sql.SQL(
                "SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), ''))"
                " FROM (SELECT ROW({})::text AS r FROM {}) AS t"
            ).format(sql.SQL(", ").join(map(sql.Identifier, names)), sql.Identifier(table))
            checksums[table] = database.execute(query).fetchone()[0]
    return counts, checksums, columns


def test_migrating_from_the_last_release_keeps_every_row(scratch_database):
    url, params = scratch_database
    seconds = {}
    begun = time.monotonic()
    for app_label, migration in PRE_CHANGE_MIGRATIONS.items():
        manage(url, "migrate", "--noinput", app_label, migration)
    for app_label in package_apps_with_migrations():
        manage(url, "migrate", "--noinput", app_label)
    seconds["baseline"] = time.monotonic() - begun

    begun = time.monotonic()
    manage(url, "generate_portfolio", *(str(part) for option in PORTFOLIO.items() for part in option))
    seconds["fill"] = time.monotonic() - begun

    counts_before, checksums_before, columns = snapshot(params)
    assert counts_before["projects_project"] == PORTFOLIO["--projects"]
    assert all(counts_before[table] for table in CHECKSUMMED_TABLES), counts_before

    begun = time.monotonic()
    manage(url, "migrate", "--noinput")
    seconds["upgrade"] = time.monotonic() - begun
    print("Upgrade test phases (s):", {phase: round(value, 1) for phase, value in seconds.items()})

    counts_after, checksums_after, _ = snapshot(params, columns=columns)
    assert set(counts_before) - set(counts_after) == set(), "tables gone after the upgrade"
    changed = {
        table: (count, counts_after[table])
        for table, count in counts_before.items()
        if table not in BOOKKEEPING_TABLES and counts_after[table] != count
    }
    assert changed == {}, "row counts (before, after) changed by the upgrade"
    shrunk = {table for table in BOOKKEEPING_TABLES if counts_after[table] < counts_before[table]}
    assert shrunk == set(), "Django's records lost rows in the upgrade"
    assert checksums_after == checksums_before
    assert content_type_apps(params) == MOVED_MODELS_NEW_HOME, "a moved model's content type did not follow it"

    # The rollback docs/deployment.md gives for this release: the same rows, the content types home again.
    manage(url, "migrate", "--noinput", "api", "zero")
    applied = manage(url, "showmigrations", "accounts", "api", "audit", "webhooks", "tenancy")
    assert f"[X] {PRE_CHANGE_MIGRATIONS['accounts']}" in applied
    assert applied.count("[X]") == int(PRE_CHANGE_MIGRATIONS["accounts"][:4]), applied
    counts_back, checksums_back, _ = snapshot(params, columns=columns)
    assert {table: counts_back[table] for table in counts_before if table not in BOOKKEEPING_TABLES} == {
        table: count for table, count in counts_before.items() if table not in BOOKKEEPING_TABLES
    }
    assert checksums_back == checksums_before
    assert content_type_apps(params) == dict.fromkeys(MOVED_MODELS_NEW_HOME, "accounts")


#: Models this release moved out of accounts, and the app each now belongs to.
MOVED_MODELS_NEW_HOME = {
    "idempotencyrecord": "api",
    "auditevent": "audit",
    "webhookendpoint": "webhooks",
    "webhookevent": "webhooks",
    "webhookdelivery": "webhooks",
    "tenant": "tenancy",
    "membership": "tenancy",
}


def content_type_apps(params) -> dict[str, str]:
    """The app each moved model's content type belongs to (one row per model: relabelled, never doubled)."""
    with psycopg.connect(**params) as database:
        rows = database.execute(
            "SELECT model, app_label FROM django_content_type WHERE model = ANY(%s)"
            " AND app_label IN ('accounts', 'api', 'audit', 'webhooks', 'tenancy')",
            [list(MOVED_MODELS_NEW_HOME)],
        ).fetchall()
    found = {}
    for model, app_label in rows:
        assert model not in found, f"{model} has a content type in both {found[model]} and {app_label}"
        found[model] = app_label
    return found
