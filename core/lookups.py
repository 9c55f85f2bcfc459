"""Filters Django does not have in the form we need.

``any_of(field, values)``: a filter on a column's membership in a list, sent to PostgreSQL as one
array (``col = ANY(%s::bigint[])``) instead of ``__in``'s one parameter per value; a list of
integers as one array literal, which the driver need not adapt value by value.

For a batch of a few hundred ids, ``__in`` prepares, compiles and quotes every value one by one,
and the driver splits a statement of as many placeholders: together several times what the
database takes to answer. Elsewhere (SQLite) it is ``__in``. In a query compiled once
(``core.compiled``), the list is a ``Parameter`` of a ``ValueList``: one array on PostgreSQL, one
JSON array read by ``json_each`` on SQLite.

``json_array_holds(field, key, value)``: an array inside a JSON column holds a value, on both
databases.
"""

import datetime
import json
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError
from django.db.models import F, Field, Lookup
from django.db.models.fields.json import KeyTransform
from django.db.models.lookups import In

from core.compiled import Parameter


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return self.rhs if isinstance(self.rhs, Parameter) else list(self.rhs)

    def as_sql(self, compiler, connection):
        if isinstance(self.rhs, Parameter):
            raise NotSupportedError(f"A list given when the query runs is not written for {connection.vendor}.")
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        array_type = self.lhs.output_field.db_type(connection)
        if isinstance(self.rhs, Parameter):
            rhs, rhs_params = compiler.compile(self.rhs)
            return f"{lhs} = ANY({rhs}::{array_type}[])", [*lhs_params, *rhs_params]
        if not self.rhs:
            raise EmptyResultSet
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, _postgresql_array(self.rhs)]

    def as_sqlite(self, compiler, connection):
        if not isinstance(self.rhs, Parameter):
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]


class ValueList(Field):
    """The field of a ``Parameter`` that ``any_of`` compares a column with (``core.compiled``):
    a list of numbers or strings, sent as one array on PostgreSQL and as one JSON array on SQLite,
    so the statement is the same whatever the list's length."""

    def get_db_prep_value(self, value, connection, prepared=False):
        values = list(value)
        return _postgresql_array(values) if connection.vendor == "postgresql" else json.dumps(values)


def _postgresql_array(values: list):
    """``values`` as the driver is given them: integers as one array literal (``'{1,2,3}'``), which
    psycopg sends as it is, where a list is adapted value by value (for a reader's 200 clients,
    0.5 ms of Python, more than the database takes to answer); anything else as the list."""
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    return values


def array_literal(values) -> str:
    """``values`` as one PostgreSQL array literal, for a parameter cast to the column's array type
    (``%s::numeric[]``): integers and decimals as they are, ``None`` as ``NULL``, anything else
    (text, date-times in ISO form, booleans) quoted. Adapting a list of a thousand values one by one
    costs psycopg several times what building this text does."""
    return "{" + ",".join([_element(value) for value in values]) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    if type(value) is int or type(value) is Decimal:
        return str(value)
    text = value.isoformat() if isinstance(value, datetime.date | datetime.time) else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def any_of(field: str, values) -> AnyOf:
    """A filter: ``field``'s value is one of ``values`` (of the column's own type), or of the list
    a ``Parameter`` of a ``ValueList`` is given when a compiled query runs."""
    return AnyOf(F(field), values if isinstance(values, Parameter) else list(values))


class JSONArrayHolds(Lookup):
    """A JSON array (a key of a JSON column) holds a value, compared as JSON: ``@>`` on PostgreSQL,
    ``json_each`` on SQLite, where Django's ``contains`` on JSON is not supported."""

    lookup_name = "holds"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        raise NotImplementedError(f"JSON array membership is not written for {connection.vendor}.")

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"({lhs}) @> %s::jsonb", [*lhs_params, json.dumps([self.rhs])]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)", [*lhs_params, self.rhs]


def json_array_holds(field: str, key: str, value) -> JSONArrayHolds:
    """A filter: the array under ``key`` of the JSON column ``field`` holds ``value`` (a string or a
    number)."""
    return JSONArrayHolds(KeyTransform(key, field), value)
