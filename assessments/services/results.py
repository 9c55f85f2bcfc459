"""How evaluations store their results: each document serialised once (its digest is taken of
those bytes, and those bytes are stored), new rows inserted in one statement, and each project's
standing pointed at its newest results. Why storing is written out by hand on PostgreSQL:
docs/performance.md, "Background recalculation"."""

import dataclasses
import datetime
import functools
import hashlib
import json
import types
import typing
from decimal import Decimal

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone
from psycopg.adapt import Dumper

from assessments.models import ProjectStanding
from core.lookups import array_literal


class Document(bytes):
    """A stored result's JSON document in UTF-8, serialised once: its digest is taken of these bytes
    and ``ResultsWriter`` writes them as they are, never decoded to text and encoded again."""


def document(value) -> Document:
    """The document stored for ``value``, keys sorted: the UTF-8 its digest is taken of.

    Written by orjson (several times faster than ``json``). Digests are of these bytes, so a change
    to how it is written (as from ``json.dumps`` to orjson) makes every project's next evaluation
    store its results once more, though nothing changed: a one-off, in the first nightly run."""
    try:
        # Most documents hold no other type orjson does not write than Decimal, tens of them each:
        # Decimal's own C method writes those without a call into Python for each.
        text = orjson.dumps(value, default=_DECIMAL_TEXT, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:  # another type (a set, a date-time; see ``plain``): the same text, more slowly
        text = orjson.dumps(value, default=_orjson_default, option=_ORJSON_OPTIONS)
    return Document(text)


_DECIMAL_TEXT = Decimal.__str__  # raises TypeError for anything else
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _orjson_default(value):
    """What orjson does not write itself: Decimals (most of what a result holds) as their text,
    sets sorted, and the rest as Django's encoder does (datetimes passed through to it)."""
    if type(value) is Decimal:
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    return _ENCODER.default(value)


def plain(value):
    """``value`` as its document holds it, for the few values orjson does not write itself (a set:
    sorted; a date or date-time: as Django's encoder writes it), so that a document built of plain
    values is written in one pass: ``document`` gives the same text either way."""
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, datetime.date | datetime.time):
        return _ENCODER.default(value)
    return value


def plain_fields(instance) -> dict:
    """A dataclass instance's fields as its document holds them: ``plain`` applied to those whose
    declared type may hold a set, a date or a time (read once per class), the others as they are.
    A field holding such a value though declared otherwise still gives the same text, by
    ``document``'s slower path."""
    values = dict(instance.__dict__)
    for name in _fields_to_make_plain(type(instance)):
        values[name] = plain(values[name])
    return values


@functools.cache
def _fields_to_make_plain(cls) -> tuple[str, ...]:
    names = tuple(field.name for field in dataclasses.fields(cls))
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):  # a type named only for type checkers: every field, to be safe
        return names
    return tuple(name for name in names if _may_hold_unwritten(hints[name]))


def _may_hold_unwritten(hint) -> bool:
    """Whether a value of type ``hint`` may be one orjson does not write as its document holds it."""
    if hint is typing.Any or hint is object:
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(_may_hold_unwritten(arg) for arg in typing.get_args(hint))
    kind = origin or hint
    return isinstance(kind, type) and issubclass(kind, set | frozenset | datetime.date | datetime.time)


def digest_of(document: Document) -> str:
    return hashlib.sha256(document).hexdigest()


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
    """``standings_write``'s upsert as one statement of one array literal per column: ``bulk_create``
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
        cursor.execute(sql, [array_literal(column) for column in zip(*values, strict=True)])


class _DocumentDumper(Dumper):
    """A ``Document`` as ``COPY`` takes it: its bytes as they are (``COPY`` escapes them)."""

    def dump(self, obj: Document) -> bytes:
        return obj


class ResultsWriter:
    """Writes new ``CostEstimate`` or ``Assessment`` rows one by one as an evaluation goes through
    its projects, given as dicts of column values by attribute name (``project_id``, ``job_id``, …;
    a column left out takes its default) whose JSON columns hold a ``Document``. ``candidates``:
    how many projects the evaluation goes through; it writes a row for each that changed and tells
    ``skip()`` of each that did not. Each row gets its ``id`` and ``created_at`` when written
    (elsewhere than on PostgreSQL: when the writer closes); ``written`` holds them in order.

    Rows are plain dicts, not model instances: a chunk stores a thousand rows, and building an
    instance each cost more than writing them. On PostgreSQL the first row written opens one
    ``COPY``, with primary keys taken from the sequence for every candidate not yet skipped (those
    skipped later leave gaps in the sequence, as a rolled-back insert does): the documents go as the
    bytes they were digested from, no statement of thousands of parameters is built and quoted
    (``bulk_create`` re-encodes every document as an escaped literal), and the database stores each
    row while Python evaluates the next projects instead of after the last. Nothing else may use
    the connection while the writer is open; a batch in which nothing changed opens nothing.
    Elsewhere ``bulk_create`` of the instances when the writer closes, which stores the same rows.
    """

    def __init__(self, model, candidates: int):
        self.model, self.remaining, self.written = model, candidates, []
        self.fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        self.defaults = [(field.attname, field.get_default()) for field in self.fields]
        self.now = timezone.now()
        self.copy = self.ids = None
        self.copies = _copy_available()  # asked once: each ask goes through Django's connection proxy

    def __enter__(self):
        return self

    def skip(self) -> None:
        """One candidate has nothing to write."""
        self.remaining -= 1

    def write(self, row: dict) -> None:
        row["created_at"] = self.now
        self.written.append(row)
        self.remaining -= 1
        if not self.copies:
            return
        if self.copy is None:
            self._open(len(self.written) + self.remaining)
        row["id"] = pk = next(self.ids, None)
        if pk is None:
            raise ValueError("More rows written than there were candidates.")
        self.copy.write_row([pk, *(row.get(name, default) for name, default in self.defaults)])

    def _open(self, count: int) -> None:
        self._cursor = connection.cursor()
        table, pk = self.model._meta.db_table, self.model._meta.pk
        # The sequence looked up once (``OFFSET 0`` keeps the planner from pulling the subquery up
        # into the select list, where it is looked up again for every row: 5 ms for 500 ids).
        self._cursor.execute(
            "SELECT nextval(sequence) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS sequence OFFSET 0) "
            "AS named, generate_series(1, %s)",
            [table, pk.column, count],
        )
        self.ids = iter(sorted(pk for (pk,) in self._cursor.fetchall()))
        columns = ", ".join(connection.ops.quote_name(field.column) for field in [pk, *self.fields])
        self._cursor.adapters.register_dumper(Document, _DocumentDumper)
        self._copy_context = self._cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN")
        self.copy = self._copy_context.__enter__()

    def __exit__(self, kind, error, traceback):
        if self.copy is not None:
            try:
                self._copy_context.__exit__(kind, error, traceback)
            finally:
                self._cursor.close()
            return
        if kind is not None or not self.written:
            return
        documents = {field.attname for field in self.fields if isinstance(field, models.JSONField)}
        instances = self.model.objects.bulk_create(
            [
                self.model(**{name: json.loads(value) if name in documents else value for name, value in row.items()})
                for row in self.written
            ]
        )
        for row, instance in zip(self.written, instances, strict=True):
            row["id"], row["created_at"] = instance.pk, instance.created_at
