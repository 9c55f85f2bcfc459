"""Queries of a fixed shape, compiled to SQL once per database connection and run with new values.

Every API request runs the same few reads whatever it asks for: its bearer token by prefix, the
reader's memberships and grants by user id; the project page reads a dozen things of one project
(its history, requests, estimates, evidence). Through the ORM, building and compiling each of them
costs more Python than the database takes to answer it (the project page's: 15 of its 80 ms, in
docs/performance.md). A ``CompiledQuery`` builds its queryset and compiles it once per connection,
with a ``Parameter`` wherever a value goes, then on each call only puts the values in place, runs
the SQL and reads the rows as the queryset would have: the same columns, each converted by the same
converters, as model instances (``select_related`` included), ``values_list`` tuples or ``values``
dicts.

Only the SQL is kept, never a result: every call asks the database. A parameter is one
placeholder whatever its value, so the SQL cannot depend on a value; a queryset whose SQL would
(``__in`` on a list, a ``None``) is not one to compile this way.
"""

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Expression, Field, QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, ValuesListIterable, get_related_populators


class Parameter(Expression):
    """A value given when a ``CompiledQuery`` runs: one placeholder in the SQL, made ready for the
    database as ``output_field`` makes its values ready (``get_db_prep_value``)."""

    def __init__(self, name: str, output_field: Field):
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field)]


@dataclass(frozen=True)
class _Slot:
    """Where a parameter's value goes among a compiled statement's parameters. Run by the ORM itself
    instead of a ``CompiledQuery``, the driver cannot adapt it: a mistake fails, it never matches."""

    name: str
    field: Field


class CompiledQuery:
    """The queryset ``build()`` answers, compiled once per database connection; ``run(**values)``
    answers what iterating it with those values for its ``Parameter``\\ s would.

    ``build`` must answer the same query every time (it is called once per connection). Model
    instances, ``values()`` and ``values_list()`` (not ``flat``) are supported; prefetching, known
    related objects and composite keys are not, and are refused when compiled.
    """

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build
        self._using = None
        # Per thread, as Django's connections are: (connection, its compiled query) by database alias.
        self._local = threading.local()

    @functools.cached_property
    def model(self):
        """The model whose rows the query reads."""
        return self._build().model

    def run(self, **values) -> list:
        kept = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = {}
        queryset = None
        if self._using is None:
            queryset = _checked(self._build())
            self._using = queryset.db
        connection = connections[self._using]
        connection_then, compiled = kept.get(self._using, (None, None))
        if connection_then is not connection:
            compiled = _Compiled.of(queryset if queryset is not None else _checked(self._build()), connection)
            kept[self._using] = (connection, compiled)
        return compiled.run(values, connection)


def _checked(queryset: QuerySet) -> QuerySet:
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        raise TypeError("A compiled query cannot prefetch or attach known related objects.")
    if queryset._iterable_class not in (ModelIterable, ValuesIterable, ValuesListIterable):
        raise TypeError(f"A compiled query cannot answer {queryset._iterable_class.__name__} rows.")
    return queryset


@dataclass(frozen=True)
class _Compiled:
    """One query compiled for one connection: its SQL, where each parameter's value goes, and how
    its rows are read."""

    sql: str | None  # None: the query can match nothing (Django raised EmptyResultSet)
    params: tuple
    slots: tuple[tuple[int, _Slot], ...]
    col_count: int | None  # the columns a row keeps, when the SQL selects more (ordering by others)
    converters: dict
    read: Callable

    @classmethod
    def of(cls, queryset: QuerySet, connection) -> "_Compiled":
        compiler = queryset.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            sql, params = None, ()
        fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise TypeError("A compiled query cannot read composite keys.")
        slots = tuple((position, value) for position, value in enumerate(params) if isinstance(value, _Slot))
        return cls(
            sql=sql,
            params=tuple(params),
            slots=slots,
            col_count=compiler.col_count if sql is not None and compiler.has_extra_select else None,
            converters=compiler.get_converters(fields) if sql is not None else {},
            read=_reader(queryset, compiler) if sql is not None else list,
        )

    def run(self, values: dict, connection) -> list:
        if self.sql is None:
            return []
        params = list(self.params)
        names = {slot.name for _, slot in self.slots}
        if names != values.keys():
            raise TypeError(f"The query's parameters are {sorted(names)}, not {sorted(values)}.")
        for position, slot in self.slots:
            params[position] = slot.field.get_db_prep_value(values[slot.name], connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.col_count is not None:
            rows = [row[: self.col_count] for row in rows]
        if self.converters:
            rows = _converted(rows, self.converters, connection)
        return self.read(rows)


def _converted(rows, converters: dict, connection) -> list[list]:
    converted = []
    for row in rows:
        row = list(row)
        for position, (functions, expression) in converters.items():
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(row)
    return converted


def _reader(queryset: QuerySet, compiler) -> Callable[[list], list]:
    """How a converted row becomes what iterating ``queryset`` yields (as Django's iterables do)."""
    query = queryset.query
    if queryset._iterable_class is ValuesListIterable:
        return lambda rows: [tuple(row) for row in rows]
    if queryset._iterable_class is ValuesIterable:
        names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        return lambda rows: [dict(zip(names, row, strict=True)) for row in rows]
    db = queryset.db
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)

    def instances(rows):
        found = []
        for row in rows:
            obj = model.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotation_col_map.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    return instances


class CompiledShapes:
    """Queries compiled once per database connection and *shape*: for a query whose SQL follows a
    few inputs (a list page's ordering, the side of its cursor, its size), ``run(key, build, ...)``
    answers what iterating ``build()`` would, where ``key`` names everything the SQL follows and
    ``build`` makes the queryset with a ``Parameter`` for each value. ``build`` is called only the
    first time a key is run on a connection; afterwards only the values are put in place.

    A key must name all the SQL depends on: two querysets built under one key must compile to the
    same SQL. At most ``limit`` shapes are kept per connection; past that, a new shape is built and
    compiled each time it runs (never kept), so clients cannot grow the cache without bound.
    """

    def __init__(self, *, limit: int = 256):
        self._limit = limit
        # Per thread, as Django's connections are: {alias: (connection, {key: compiled})}.
        self._local = threading.local()

    def run(self, key, build: Callable[[], QuerySet], using: str, **values) -> list:
        kept = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = {}
        connection = connections[using]
        connection_then, shapes = kept.get(using, (None, None))
        if connection_then is not connection:
            shapes = {}
            kept[using] = (connection, shapes)
        compiled = shapes.get(key)
        if compiled is None:
            queryset = _checked(build())
            if queryset.db != using:
                raise ValueError(f"The query reads {queryset.db!r}, not {using!r}.")
            compiled = _Compiled.of(queryset, connection)
            if len(shapes) < self._limit:
                shapes[key] = compiled
        return compiled.run(values, connection)
