"""Set-based writes for the generator: many rows per statement, the generated values kept."""

import itertools
import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


class Json(str):
    """A JSON document already serialised: written as is."""


def as_json(value) -> Json:
    return Json(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


class RowWriter:
    """Set-based writes that keep the generated values (no ``auto_now``), one table at a time."""

    PREPARED = (models.JSONField, models.DecimalField, models.DateField, models.TimeField)

    def __init__(self, now):
        self.now = now
        self.postgresql = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}
        self._known_columns: dict[str, set[str]] = {}

    def ids(self, model, count: int) -> list[int]:
        """``count`` fresh primary keys for ``model``, taken from its sequence (rows can then refer to them)."""
        if count == 0:
            return []
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            if self.postgresql:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
                )
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {table}")
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + count))

    def _columns(self, table: str) -> set[str]:
        """The columns ``table`` has in the database. A column the models added after the database's
        migrations is left out, so the generator can fill a database still at an earlier release's
        schema (the upgrade test does: tests/test_migration_upgrade.py)."""
        if table not in self._known_columns:
            with connection.cursor() as cursor:
                description = connection.introspection.get_table_description(cursor, table)
            self._known_columns[table] = {column.name for column in description}
        return self._known_columns[table]

    def insert(self, model, rows: Iterable[dict]) -> int:
        """Write ``rows`` (dicts by attribute name); unnamed columns take the model's defaults."""
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return 0
        present = self._columns(model._meta.db_table)
        fields = [
            f for f in model._meta.concrete_fields if (f.attname in first or not f.primary_key) and f.column in present
        ]
        defaults = {f.attname: self._default(f) for f in fields if f.attname not in first}
        prepare = [self._preparer(f) for f in fields]
        names = [f.attname for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)

        def values():
            for row in itertools.chain([first], rows):
                raw = [row[name] if name in row else defaults[name] for name in names]
                yield [fn(value) if fn else value for value, fn in zip(raw, prepare, strict=True)]

        written = 0
        with connection.cursor() as cursor:
            if self.postgresql:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for value in values():
                        copy.write_row(value)
                        written += 1
            else:
                sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
                for batch in batches(values(), 1000):
                    cursor.executemany(sql, batch)
                    written += len(batch)
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + written
        return written

    def _default(self, f):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.now
        return f.get_default()

    def _preparer(self, f):
        """How a value reaches the database column: None when the Python value goes as it is."""
        if isinstance(f, models.JSONField):
            return lambda value: str(value) if isinstance(value, Json) else str(as_json(value))
        if isinstance(f, self.PREPARED):
            return lambda value, f=f: f.get_db_prep_save(value, connection)
        return None


def batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
