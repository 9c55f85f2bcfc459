"""Lists answered from rows: a page read with ``.values()`` and represented without building a model
instance per row.

A serializer stays declared as usual (a ``ModelSerializer``, so the OpenAPI schema is generated from
its fields) and mixes in ``RowSerializerMixin``: its fields say which columns a row needs
(``row_columns``), and a row is represented with the fields' own ``to_representation``, so a row
and an instance give the same JSON. A many-nested serializer of a reverse relation (a project's
tickets) is read for the whole page in one query by ``RowListSerializer``. A view mixing in
``RowListMixin`` reads its list that way, after its filters and before its pagination.
"""

import copy
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import NamedTuple

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, router
from django.db.models import IntegerField, Model
from django.db.models.manager import BaseManager
from rest_framework import ISO_8601, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.settings import api_settings

from core.compiled import CompiledQuery, CompiledShapes, Parameter
from core.lookups import ValueList, any_of


class RowSerializerMixin:
    """A serializer that also represents a ``.values()`` row of ``row_columns()`` (an instance, as before).

    How a row is represented (its plan: each field's column and representation) depends only on the
    serializer's class, so it is worked out once per process from an instance without context, not
    once per request: building a ``ModelSerializer``'s fields (copying the declared ones, mapping each
    model field) costs more than representing a page of rows. So a row serializer's fields must represent
    a value without the request or context: ``_planned`` refuses related, method and nested object
    fields, and a custom field of one must not read ``self.context`` either.
    """

    def row_columns(self) -> list[str]:
        """The ``.values()`` columns a row needs: each plain field's source (through relations, with
        ``__``), a slug field's slug on its relation, and the primary key that nested rows join on."""
        return list(_row_plan(type(self)).columns)

    def nested_rows(self) -> list[tuple[str, serializers.ListSerializer]]:
        """The many-nested fields, whose rows ``RowListSerializer`` reads for a page: (name, field)."""
        return list(_row_plan(type(self)).nested)

    def to_representation(self, instance):
        if not isinstance(instance, Mapping):
            return super().to_representation(instance)
        return _represented(instance, _row_plan(type(self)).steps)


def _represented(row: Mapping, steps) -> dict:
    representation = {}
    for name, column, represent in steps:
        value = row[name if column is None else column]
        representation[name] = None if value is None else represent(value)
    return representation


class _RowPlan(NamedTuple):
    #: (name, column or None for nested rows, how to represent the column's value), per readable field
    steps: tuple[tuple, ...]
    columns: tuple[str, ...]
    nested: tuple[tuple[str, serializers.ListSerializer], ...]


@cache
def _row_plan(serializer_class: type) -> _RowPlan:
    """The row plan of ``serializer_class``, from one instance of it without context (once per process)."""
    prototype = serializer_class()
    fields = list(prototype._readable_fields)
    steps = tuple(_planned(field) for field in fields)
    pk = serializer_class.Meta.model._meta.pk.attname
    columns = tuple(dict.fromkeys([pk, *(column for _, column, _ in steps if column is not None)]))
    nested = tuple((field.field_name, field) for field in fields if _is_nested(field))
    return _RowPlan(steps, columns, nested)


class RowListSerializer(serializers.ListSerializer):
    """A page of rows with their nested rows, one query per many-nested field for the whole page;
    a list of instances as ``ListSerializer`` does."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, BaseManager) else data)
        if not rows or not isinstance(rows[0], Mapping):
            return super().to_representation(rows)
        model = self.child.Meta.model
        pk = model._meta.pk.attname
        rows = [dict(row) for row in rows]
        for name, field in self.child.nested_rows():
            by_parent = _nested_rows(model, field, [row[pk] for row in rows])
            for row in rows:
                row[name] = by_parent.get(row[pk], [])
        if type(self.child).to_representation is not RowSerializerMixin.to_representation:
            return [self.child.to_representation(row) for row in rows]
        steps = _steps_for_this_page(_row_plan(type(self.child)).steps)
        return [_represented(row, steps) for row in rows]


def _steps_for_this_page(steps: tuple) -> tuple:
    """``steps``, with each date-time field given the time zone it would look up for every value:
    DRF's ``DateTimeField`` asks for the current time zone once per value (a context-local lookup
    that costs more than the conversion), and it cannot change within a page. A field with a time
    zone of its own keeps it."""
    page_steps = []
    for name, column, represent in steps:
        field = getattr(represent, "__self__", None)
        if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
            field = copy.copy(field)
            field.timezone = field.default_timezone()
            represent = field.to_representation
        page_steps.append((name, column, _quicker(field, represent)))
    return tuple(page_steps)


def _quicker(field, represent):
    """``represent`` (``field.to_representation``), answering the values a row holds the most
    (an ``int``, a ``str``, an aware ``datetime``, a list of nested rows) as DRF's own field would,
    without its generic checks on each; any other value goes to ``represent`` itself. Only for a
    field whose class keeps DRF's own representation (a subclass that overrides it keeps its own)."""
    method = getattr(type(field), "to_representation", None)
    if method is serializers.CharField.to_representation:
        return lambda value: value if type(value) is str else represent(value)
    if method is serializers.IntegerField.to_representation or (
        method is serializers.BigIntegerField.to_representation
        and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    ):
        return lambda value: value if type(value) is int else represent(value)
    if method is serializers.ChoiceField.to_representation:
        if all(type(code) is str and code == key for key, code in field.choice_strings_to_values.items()):
            # Each choice is its own text (text choices): a text value is answered as it is, found or not.
            return lambda value: value if type(value) is str else represent(value)

        def choice(value):
            if type(value) is str:  # not blank: neither an Enum nor None, and its own str()
                return value if value == "" else field.choice_strings_to_values.get(value, value)
            return represent(value)

        return choice
    if method is serializers.DateTimeField.to_representation:
        return _quicker_moment(field, represent)
    if type(field) is serializers.ListSerializer and type(field.child).to_representation is (
        RowSerializerMixin.to_representation
    ):
        steps = _steps_for_this_page(_row_plan(type(field.child)).steps)
        child = field.child.to_representation

        def nested(rows):
            if type(rows) is not list:
                return represent(rows)
            return [_represented(row, steps) if type(row) is dict else child(row) for row in rows]

        return nested
    return represent


def _quicker_moment(field, represent):
    """DRF's ``DateTimeField.to_representation`` of an aware ``datetime``, in the field's time zone
    (a page's, ``_steps_for_this_page``), as ISO 8601 with ``Z`` for UTC."""
    zone = getattr(field, "timezone", None)
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    iso = isinstance(output_format, str) and output_format.lower() == ISO_8601
    if zone is None or not iso or type(field).enforce_timezone is not serializers.DateTimeField.enforce_timezone:
        return represent

    def moment(value):
        if type(value) is not datetime or value.utcoffset() is None:
            return represent(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return represent(value)  # DRF's error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return moment


class RowListMixin:
    """A list view whose page is read as rows of its serializer's ``row_columns()``, after its
    filters, search and ordering, so that pagination slices rows instead of instances.

    A request that asks for nothing but a page (no parameter but the cursor and the page size) may
    skip building its queryset: if ``list_shape()`` names one, the page's SQL is compiled once per
    connection for that shape and for what the paginator adds (its ordering, the cursor's side, the
    page's bounds), and each such request only runs it with the cursor's position (``PageRows``).
    """

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action != "list":
            return queryset
        return queryset.values(*self.get_serializer().row_columns())

    def list_shape(self):
        """What the list's queryset (``filter_queryset(get_queryset())``) follows for this request,
        when it asks for nothing but a page: a hashable naming it entirely (the same name, the same
        SQL for every request), or None to build it through the ORM as usual. None unless a view
        says otherwise."""
        return None

    def list(self, request, *args, **kwargs):
        shape = self._page_only_shape(request)
        if shape is None:
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(PageRows(self, (type(self), shape)))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _page_only_shape(self, request):
        paginator = self.paginator
        if not isinstance(paginator, CursorPagination) or not paginator.get_page_size(request):
            return None
        paging = {paginator.cursor_query_param, paginator.page_size_query_param}
        if not paging.issuperset(request.query_params.keys()):
            return None
        return self.list_shape()


#: The SQL of list pages by shape, per connection (``PageRows``).
_PAGES = CompiledShapes()


class PageRows:
    """A list's queryset as its cursor paginator uses it (``order_by``, a ``filter`` on the cursor's
    position, a slice, iterating its rows), for a shape whose SQL is kept per connection: the view's
    queryset is built only to compile a shape the first time it runs on a connection.
    What a cursor paginator does not ask of a queryset is not here (an ``AttributeError``)."""

    def __init__(self, view, shape, ordering=(), position=None, bounds=None):
        self._view, self._shape = view, shape
        self._ordering, self._position, self._bounds = ordering, position, bounds
        self.model = view.queryset.model

    def _with(self, **changes):
        state = {"ordering": self._ordering, "position": self._position, "bounds": self._bounds, **changes}
        return PageRows(self._view, self._shape, **state)

    def order_by(self, *fields):
        return self._with(ordering=fields)

    def filter(self, **lookups):
        ((lookup, value),) = lookups.items()
        if self._position is not None or not lookup.endswith(("__lt", "__gt")):
            raise TypeError(f"A page's rows are filtered once, on the cursor's position, not by {lookup}.")
        return self._with(position=(lookup, value))

    def __getitem__(self, bounds):
        if not isinstance(bounds, slice) or bounds.step is not None or self._bounds is not None:
            raise TypeError("A page's rows are sliced once, without a step.")
        return self._with(bounds=(bounds.start, bounds.stop))

    def __iter__(self):
        if self._position is None:
            key = (self._shape, self._ordering, None, self._bounds)
            return iter(_PAGES.run(key, self._queryset, router.db_for_read(self.model)))
        lookup, value = self._position
        using = router.db_for_read(self.model)
        field = _model_field(self.model, lookup.rsplit("__", 1)[0])
        if field is None or not _fits(field, value, using):  # through the ORM, as given
            return iter(self._queryset(value))
        key = (self._shape, self._ordering, lookup, self._bounds)
        return iter(_PAGES.run(key, lambda: self._queryset(Parameter("position", field)), using, position=value))

    def _queryset(self, position=None):
        """The page's queryset, built through the view, with ``position`` for the cursor's (a value,
        or a ``Parameter`` for it)."""
        queryset = self._view.filter_queryset(self._view.get_queryset()).order_by(*self._ordering)
        if self._position is not None:
            queryset = queryset.filter(**{self._position[0]: position})
        if self._bounds is not None:
            queryset = queryset[self._bounds[0] : self._bounds[1]]
        return queryset


def _fits(field, value, using: str) -> bool:
    """Whether the ORM compares the column with ``value`` itself, as the kept SQL does: not when the
    value cannot be made ready for the column (the ORM raises), nor for an integer beyond the column's
    range (the ORM makes the comparison match every row or none, without the value)."""
    try:
        prepared = field.get_prep_value(value)
    except (TypeError, ValueError, ValidationError):
        return False
    if not isinstance(field, IntegerField) or not isinstance(prepared, int):
        return True
    low, high = connections[using].ops.integer_field_range(field.get_internal_type())
    return (low is None or prepared >= low) and (high is None or prepared <= high)


def _model_field(model: type[Model], name: str):
    """The model's field ``name`` (``pk`` included), None if it is not one (an annotation)."""
    if name == "pk":
        return model._meta.pk
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_nested(field) -> bool:
    return isinstance(field, serializers.ListSerializer)


def _planned(field) -> tuple:
    if _is_nested(field):
        return field.field_name, None, field.to_representation
    if isinstance(field, serializers.SlugRelatedField):
        # The row holds the related object's slug itself, which is what the field answers.
        return field.field_name, "__".join([*field.source_attrs, field.slug_field]), _same
    unreadable = (
        serializers.RelatedField,
        serializers.ManyRelatedField,
        serializers.SerializerMethodField,
        serializers.BaseSerializer,
    )
    if isinstance(field, unreadable):
        raise TypeError(f"{field.field_name}: no column holds what {type(field).__name__} represents")
    return field.field_name, "__".join(field.source_attrs), field.to_representation


def _same(value):
    return value


def _nested_rows(model: type[Model], field: serializers.ListSerializer, ids: list) -> dict:
    """The rows of ``field``'s child for the parents ``ids``, by parent id, each parent's in the order
    of their ids (as a detail's prefetch reads them)."""
    parent, query = _nested_query(model, field.source, type(field.child))
    by_parent = defaultdict(list)
    for row in query.run(ids=ids):
        by_parent[row[parent]].append(row)
    return by_parent


@cache
def _nested_query(model: type[Model], source: str, child_class: type) -> tuple[str, CompiledQuery]:
    """The column naming a nested row's parent, and the query of a page's nested rows: the same for
    every page, so compiled once (``core.compiled``), the page's ids one list parameter."""
    relation = model._meta.get_field(source)
    parent = relation.field.attname
    columns = child_class().row_columns()

    def build():
        return (
            relation.related_model._default_manager.filter(any_of(parent, Parameter("ids", ValueList())))
            .order_by("pk")
            .values(parent, *columns)
        )

    return parent, CompiledQuery(build)
