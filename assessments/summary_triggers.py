"""The triggers that keep ``projects.ClientSummary`` (the portfolio's figures per client).

A project counts in its client's row by its stage and deployment model, its hosting approach and
its standing (readiness, chosen monthly cost). Every change to a project's columns or to its
standing adds the difference to its client's row, in the statement's transaction:

- on PostgreSQL, statement-level triggers read the statement's old and new rows (transition
  tables), so a recalculation's upsert of 500 standings is one grouped update of the clients it
  touches; a change that moves no figure (a renamed project, a re-assessment with the same
  outcome) writes nothing;
- on SQLite, row-level triggers do the same for each row.

A project's row counts both tables, and two transactions may change them at once (one the project,
the other its standing). Each trigger first takes a transaction lock per client it touches, in
client order, and only then reads the other table, so the second waits for the first to commit and
reads what it committed: the differences add up to the figures of what was committed, whatever
the interleaving. (SQLite writes one transaction at a time.)

The SQL is built here from the value lists the migration that installs it passes, frozen there:
a new stage, deployment model, hosting approach or readiness status needs a column and a new
migration that installs the triggers again. ``tests/projects/test_client_summaries.py`` compares
the rows with a from-scratch computation for every combination of them.
"""

from collections.abc import Sequence

PROJECTS = "projects_project"
STANDINGS = "assessments_projectstanding"
SUMMARIES = "projects_clientsummary"
#: The first key of the per-client advisory locks ("SG" + 2; "SG" + 1 is the evaluation's).
SUMMARY_LOCK_CLASS = 0x5347_0002
NOT_ASSESSED = "not_assessed"

TRIGGERS = [
    (PROJECTS, "insert"),
    (PROJECTS, "update"),
    (PROJECTS, "delete"),
    (STANDINGS, "insert"),
    (STANDINGS, "update"),
    (STANDINGS, "delete"),
]
PROJECT_COLUMNS = ("tenant_id", "stage", "deployment_model", "hosting_approach")
STANDING_COLUMNS = ("readiness_status", "chosen_monthly")


def _literal(value: str) -> str:
    assert "'" not in value, value
    return f"'{value}'"


def figures(stages: Sequence[str], models: Sequence[str], readiness: Sequence[str], approaches: Sequence[str]):
    """(column, SQL over a delta row ``d``) for every figure of a summary row; ``d.sign`` is +1 or -1."""
    status = f"COALESCE(NULLIF(d.readiness_status, ''), {_literal(NOT_ASSESSED)})"
    columns = [("projects", "d.sign"), ("estimated", "CASE WHEN d.chosen_monthly IS NULL THEN 0 ELSE d.sign END")]
    columns += [
        (
            f"{stage}_{model}",
            f"CASE WHEN d.stage = {_literal(stage)} AND d.deployment_model = {_literal(model)} THEN d.sign ELSE 0 END",
        )
        for stage in stages
        for model in models
    ]
    columns += [
        (f"readiness_{value}", f"CASE WHEN {status} = {_literal(value)} THEN d.sign ELSE 0 END") for value in readiness
    ]
    columns += [
        (
            f"monthly_{approach}",
            f"CASE WHEN d.hosting_approach = {_literal(approach)} "
            f"THEN d.sign * COALESCE(d.chosen_monthly, 0) ELSE 0 END",
        )
        for approach in approaches
    ]
    return columns


def _apply(columns, deltas: str, *, existing_only: bool = False) -> str:
    """Add the figures of ``deltas`` (rows of sign, the project's columns and the standing's) to
    their clients' rows, creating a row the first time a client is seen; with ``existing_only``
    (a deletion, which only ever takes away from a row its insertion made), to existing rows only."""
    names = ", ".join(name for name, _ in columns)
    sums = ", ".join(f"SUM({expression})" for _, expression in columns)
    updates = ", ".join(f"{name} = {SUMMARIES}.{name} + excluded.{name}" for name, _ in columns)
    where = f"d.tenant_id IN (SELECT tenant_id FROM {SUMMARIES})" if existing_only else "true"
    return (
        f"INSERT INTO {SUMMARIES} (tenant_id, {names}) "
        f"SELECT d.tenant_id, {sums} FROM ({deltas}) AS d WHERE {where} GROUP BY d.tenant_id "
        f"ON CONFLICT (tenant_id) DO UPDATE SET {updates}"
    )


def _row(sign: int, project: str, standing: str | None) -> str:
    """The select list of one delta row: the project's columns from ``project``, the standing's from
    ``standing`` (None: the project has no standing)."""
    parts = [f"{sign} AS sign", *(f"{project}.{column} AS {column}" for column in PROJECT_COLUMNS)]
    if standing is None:
        parts += ["NULL AS readiness_status", "NULL AS chosen_monthly"]
    else:
        parts += [f"{standing}.{column} AS {column}" for column in STANDING_COLUMNS]
    return ", ".join(parts)


def _changed(old: str, new: str, columns, *, distinct: str = "IS DISTINCT FROM") -> str:
    return " OR ".join(f"{old}.{column} {distinct} {new}.{column}" for column in columns)


# --- PostgreSQL ------------------------------------------------------------------------------------


def _postgres_deltas(table: str, operation: str) -> tuple[str, str]:
    """The delta rows of one statement (its transition tables ``old_rows``, ``new_rows``) and the
    clients they touch."""
    with_standing = f"LEFT JOIN {STANDINGS} s ON s.project_id = {{alias}}.id"
    if table == PROJECTS:
        if operation == "insert":
            return f"SELECT {_row(1, 'n', 's')} FROM new_rows n {with_standing.format(alias='n')}", (
                "SELECT tenant_id FROM new_rows"
            )
        if operation == "delete":
            return f"SELECT {_row(-1, 'o', 's')} FROM old_rows o {with_standing.format(alias='o')}", (
                "SELECT tenant_id FROM old_rows"
            )
        moved = f"FROM old_rows o JOIN new_rows n ON n.id = o.id {with_standing.format(alias='o')} WHERE " + _changed(
            "o", "n", PROJECT_COLUMNS
        )
        return f"SELECT {_row(-1, 'o', 's')} {moved} UNION ALL SELECT {_row(1, 'n', 's')} {moved}", (
            f"SELECT o.tenant_id {moved} UNION ALL SELECT n.tenant_id {moved}"
        )
    with_project = f"JOIN {PROJECTS} p ON p.id = {{alias}}.project_id"
    if operation == "insert":
        rows = f"FROM new_rows n {with_project.format(alias='n')}"
        return f"SELECT {_row(1, 'p', 'n')} {rows} UNION ALL SELECT {_row(-1, 'p', None)} {rows}", (
            "SELECT tenant_id FROM new_rows"
        )
    if operation == "delete":
        rows = f"FROM old_rows o {with_project.format(alias='o')}"
        return f"SELECT {_row(-1, 'p', 'o')} {rows} UNION ALL SELECT {_row(1, 'p', None)} {rows}", (
            "SELECT tenant_id FROM old_rows"
        )
    moved = (
        f"FROM old_rows o JOIN new_rows n ON n.project_id = o.project_id {with_project.format(alias='o')} WHERE "
        + (_changed("o", "n", STANDING_COLUMNS))
    )
    return f"SELECT {_row(-1, 'p', 'o')} {moved} UNION ALL SELECT {_row(1, 'p', 'n')} {moved}", (
        f"SELECT o.tenant_id FROM old_rows o JOIN new_rows n ON n.project_id = o.project_id "
        f"WHERE {_changed('o', 'n', STANDING_COLUMNS)}"
    )


def postgres_install(columns) -> list[str]:
    """The statements that (re)create the functions and triggers on PostgreSQL."""
    statements = []
    for table, operation in TRIGGERS:
        name = f"{table}_summary_{operation}"
        deltas, clients = _postgres_deltas(table, operation)
        referencing = {
            "insert": "NEW TABLE AS new_rows",
            "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "delete": "OLD TABLE AS old_rows",
        }[operation]
        statements += [
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({SUMMARY_LOCK_CLASS}, (t.tenant_id % 2147483647)::int)
        FROM (SELECT DISTINCT c.tenant_id FROM ({clients}) AS c ORDER BY c.tenant_id) AS t;
    {_apply(columns, deltas)};
    RETURN NULL;
END
$$""",
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def postgres_uninstall() -> list[str]:
    statements = []
    for table, operation in TRIGGERS:
        name = f"{table}_summary_{operation}"
        statements += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    return statements


# --- SQLite ----------------------------------------------------------------------------------------


def _sqlite_deltas(table: str, operation: str) -> tuple[str, str]:
    """One row's delta rows (``NEW``, ``OLD``) and the trigger's ``WHEN`` condition."""
    if table == PROJECTS:

        def project_row(sign, ref):
            return (
                f"SELECT {_row(sign, ref, 's')} FROM (SELECT 1) AS one "
                f"LEFT JOIN {STANDINGS} s ON s.project_id = {ref}.id"
            )

        if operation == "insert":
            return project_row(1, "NEW"), ""
        if operation == "delete":
            return project_row(-1, "OLD"), ""
        return f"{project_row(-1, 'OLD')} UNION ALL {project_row(1, 'NEW')}", _changed(
            "OLD", "NEW", PROJECT_COLUMNS, distinct="IS NOT"
        )

    project_of = "OLD" if operation == "delete" else "NEW"

    def row(sign, standing):
        return f"SELECT {_row(sign, 'p', standing)} FROM {PROJECTS} p WHERE p.id = {project_of}.project_id"

    if operation == "insert":
        return f"{row(1, 'NEW')} UNION ALL {row(-1, None)}", ""
    if operation == "delete":
        return f"{row(-1, 'OLD')} UNION ALL {row(1, None)}", ""
    return f"{row(-1, 'OLD')} UNION ALL {row(1, 'NEW')}", _changed("OLD", "NEW", STANDING_COLUMNS, distinct="IS NOT")


def sqlite_install(columns) -> list[str]:
    """The statements that (re)create the triggers on SQLite.

    A deletion adds only to rows that exist: emptying every table (Django's ``flush`` between
    tests, in any order of tables) must not write a row back for a client already deleted, which
    would break the foreign key at commit. (PostgreSQL's ``flush`` truncates, which fires no
    deletion trigger.)"""
    statements = []
    for table, operation in TRIGGERS:
        name = f"{table}_summary_{operation}"
        deltas, when = _sqlite_deltas(table, operation)
        condition = f" WHEN {when}" if when else ""
        apply = _apply(columns, deltas, existing_only=operation == "delete")
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} FOR EACH ROW{condition} BEGIN {apply}; END",
        ]
    return statements


def sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_summary_{operation}" for table, operation in TRIGGERS]


def rebuild(columns) -> list[str]:
    """The statements that compute every client's row again from the projects and their standings
    (both databases): the triggers' figures, from scratch."""
    everything = f"SELECT {_row(1, 'p', 's')} FROM {PROJECTS} p LEFT JOIN {STANDINGS} s ON s.project_id = p.id"
    return [f"DELETE FROM {SUMMARIES}", _apply(columns, everything)]


def install(schema_editor, columns) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": postgres_install, "sqlite": sqlite_install}[vendor](columns)
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": postgres_uninstall, "sqlite": sqlite_uninstall}[vendor]():
        schema_editor.execute(statement, params=None)
