"""How evaluations store their results: each document serialised once (its digest is taken of
that text, and that text is stored), new rows inserted in one statement, and each project's
standing pointed at its newest results. Why storing is written out by hand on PostgreSQL:
docs/performance.md, "Background recalculation"."""

import hashlib
import json
from decimal import Decimal

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from assessments.models import ProjectStanding


class Document(str):
    """A stored result's JSON document, serialised once: its digest is taken of this text and
    ``results_store`` writes it as it is."""


def document(value) -> Document:
    """The document stored for ``value``, keys sorted: the text its digest is taken of.

    Written by orjson (several times faster than ``json``). Digests are of this text, so a change
    to how it is written (as from ``json.dumps`` to orjson) makes every project's next evaluation
    store its results once more, though nothing changed: a one-off, in the first nightly run."""
    return Document(orjson.dumps(value, default=_orjson_default, option=_ORJSON_OPTIONS).decode())


_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _orjson_default(value):
    """What orjson does not write itself: Decimals (most of what a result holds) as their text,
    sets sorted, and the rest as Django's encoder does (datetimes passed through to it)."""
    if type(value) is Decimal:
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    return _ENCODER.default(value)


def digest_of(document: Document) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


_ENCODER = DjangoJSONEncoder()


class Standings(dict):
    """Standing columns gathered by project id, written together by ``standings_write``: an
    evaluation that stores an estimate and an assessment of a project updates its standing once."""

    def add(self, rows, columns) -> None:
        for row in rows:
            self.setdefault(row["project_id"], {"tenant_id": row["tenant_id"]}).update(columns(row))


def standings_update(rows, columns, *, standings: Standings | None = None) -> None:
    """Point each project's standing at its newly stored assessment or estimate: at once (one
    upsert), or, given ``standings``, when the caller writes those."""
    gathered = Standings() if standings is None else standings
    gathered.add(rows, columns)
    if standings is None:
        standings_write(gathered)


def standings_write(standings: Standings) -> None:
    """One upsert per set of columns written (at most three: estimate, assessment, both)."""
    if not standings:
        return
    by_columns = {}
    for project_id, values in standings.items():
        by_columns.setdefault(tuple(values), []).append((project_id, values))
    for names, entries in by_columns.items():
        if _copy_available():
            _standings_upsert(names, entries)
        else:
            ProjectStanding.objects.bulk_create(
                [ProjectStanding(project_id=project_id, **values) for project_id, values in entries],
                update_conflicts=True,
                unique_fields=["project"],
                update_fields=[name for name in names if name != "tenant_id"],
            )


def _copy_available() -> bool:
    """PostgreSQL: results are written by ``COPY`` and standings by one ``UNNEST`` upsert, each
    statement built here; elsewhere by ``bulk_create``, which stores the same rows."""
    return connection.vendor == "postgresql"


def _standings_upsert(names, entries) -> None:
    """``standings_write``'s upsert as one statement of one array per column: ``bulk_create``
    prepares such an upsert value by value, which costs more than the database takes to run it."""
    inserted = ["project_id", *names]
    fields = [ProjectStanding._meta.get_field(name) for name in inserted]
    fields += [field for field in ProjectStanding._meta.concrete_fields if field.attname not in inserted]
    defaults = [field.get_default() for field in fields[len(inserted) :]]
    values = [(project_id, *columns.values(), *defaults) for project_id, columns in entries]
    updated = [field for field in fields[1 : len(inserted)] if field.attname != "tenant_id"]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(ProjectStanding._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT * FROM UNNEST({', '.join(f'%s::{f.db_type(connection)}[]' for f in fields)}) "
        f"ON CONFLICT ({quote('project_id')}) DO UPDATE SET "
        + ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in updated)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*values, strict=True)])


def results_store(model, rows: list[dict]) -> None:
    """Insert new ``CostEstimate`` or ``Assessment`` rows, given as dicts of column values by
    attribute name (``project_id``, ``job_id``, …; a column left out takes its default), whose JSON
    columns hold ``Document`` text; sets each row's ``id`` and ``created_at``.

    Rows are plain dicts, not model instances: a chunk stores a thousand rows, and building an
    instance each cost more than writing them. On PostgreSQL, one ``COPY`` with primary keys taken
    from the sequence: the documents go as the text they were digested from, and no statement of
    thousands of parameters is built and quoted (``bulk_create`` re-encodes every document as an
    escaped literal). Elsewhere ``bulk_create`` of the instances, which stores the same rows.
    """
    if not rows:
        return
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    defaults = {field.attname: field.get_default() for field in fields}
    for row in rows:
        row["created_at"] = now
    if not _copy_available():
        documents = {field.attname for field in fields if isinstance(field, models.JSONField)}
        instances = model.objects.bulk_create(
            [
                model(**{name: json.loads(value) if name in documents else value for name, value in row.items()})
                for row in rows
            ]
        )
        for row, instance in zip(rows, instances, strict=True):
            row["id"], row["created_at"] = instance.pk, instance.created_at
        return
    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(field.column) for field in [model._meta.pk, *fields])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, len(rows)],
        )
        ids = sorted(pk for (pk,) in cursor.fetchall())
        with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                row["id"] = pk
                copy.write_row([pk, *(row.get(name, default) for name, default in defaults.items())])
