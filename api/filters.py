import datetime
from functools import cache

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from api.fields import MOMENT_REFUSALS, moment_refusal


class AwareIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time with its offset, naming a real moment every time zone can show
    (``api.fields.moment_refusal``): anything else is a 400 naming the parameter, before any
    conversion or query could fail on it."""

    def to_python(self, value):
        if value not in self.empty_values and (refusal := moment_refusal(value)) is not None:
            raise forms.ValidationError(MOMENT_REFUSALS[refusal], code=refusal)
        return super().to_python(value)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (an id): ``NumberFilter`` reads a decimal, and took ``0.5`` for an id; the
    schema gives an integer."""

    field_class = forms.IntegerField


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 date-time, turned into UTC before it reaches the database.

    PostgreSQL accepts offsets only up to ±15:59, ISO 8601 more: converting first means any valid
    input is a valid query. A time without an offset is refused (400), not read as UTC.
    """

    field_class = AwareIsoDateTimeField

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return super().filter(qs, value)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, without building a filter set for a request that names none of its filters.

    A filter set copies all its filters and builds a form class, a form and each filter's form field
    (a client filter's choices per caller) on every request, which is most of a list's Python time
    outside the query when, as for most requests, no filter was asked for. Without any of its
    parameters a plain filter set answers the queryset unchanged (an empty value filters nothing),
    so it is skipped then, but only for a filter set where that is certain (``_skippable``); any
    parameter that could belong to a filter (``tenant``, or ``tenant_...`` for a widget's parts)
    runs it in full, with its validation.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and _skippable(filterset_class):
            names = filterset_class.base_filters.keys()
            if not any(_may_belong(param, names) for param in request.query_params):
                return queryset.all()  # what the filter set's ``qs`` starts from
        return super().filter_queryset(request, queryset, view)


def _may_belong(param: str, names) -> bool:
    return any(param == name or param.startswith(f"{name}_") for name in names)


@cache
def _skippable(filterset_class) -> bool:
    """Whether ``filterset_class`` with none of its parameters filters nothing and refuses nothing:
    django-filter's own way of filtering and validating (no override of it, a plain form), no
    required filter, and each filter either django-filter's own or a ``method`` (called only for a
    value)."""
    overridable = ("__init__", "is_valid", "errors", "filter_queryset", "qs", "form", "get_form_class")
    if any(getattr(filterset_class, name) is not getattr(django_filters.FilterSet, name) for name in overridable):
        return False
    if filterset_class._meta.form is not forms.Form:
        return False
    for filter_ in filterset_class.base_filters.values():
        if filter_.extra.get("required"):
            return False
        own = type(filter_).filter.__module__.startswith("django_filters.")
        if filter_.method is None and not own:
            return False
    return True


class OrderingFilter(filters.OrderingFilter):
    """The order of a list, as ``?ordering=`` names it: one or more of the view's
    ``ordering_fields``, each ascending or, after a ``-``, descending, separated by commas
    (``-updated_at,id``). Anything else is a 400 naming the parameter and the orderings taken
    (DRF's own dropped a term it did not know, and answered in another order without a word): an
    unknown term, an empty one (``name,``), a space around one, or the parameter given twice.
    Sent empty (``?ordering=``, the empty list), it is as if not sent: the list's own order. The
    schema gives the same list of terms (``get_schema_operation_parameters``).

    The parameter is a list's, as the schema has it: one object, or another action's answer (an
    export in its own order), has none to choose, and is answered as if it were not sent. Every list
    view names its ``ordering_fields``: DRF's default, every field of the serializer, offered lists
    and computed values no list can be ordered by."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", "list") != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_ordering(self, request, queryset, view):
        sent = request.query_params.getlist(self.ordering_param)
        if not sent or sent == [""]:
            return self.get_default_ordering(view)
        terms = self.terms(view)
        refused = [term for term in sent[0].split(",") if term not in terms] if len(sent) == 1 else []
        if len(sent) > 1 or refused:
            raise ValidationError({self.ordering_param: [self.refusal(terms, refused, given_twice=len(sent) > 1)]})
        return sent[0].split(",")

    def refusal(self, terms: list[str], refused: list[str], *, given_twice: bool) -> str:
        what = (
            "Give ordering once"
            if given_twice
            else f"Not an ordering of this list: {', '.join(f'“{term}”' for term in refused)}"
        )
        return f"{what}. Order by one or more of {', '.join(terms)}, separated by commas (a - first: descending)."

    def get_valid_fields(self, queryset, view, context=None):
        fields = getattr(view, "ordering_fields", None)
        if fields is None or isinstance(fields, str):
            raise ImproperlyConfigured(f"{type(view).__name__} names no ordering_fields (a list of them).")
        return [(field, field) for field in fields]

    def terms(self, view) -> list[str]:
        """Every term ``ordering`` takes on ``view``'s list: each field, then each field descending."""
        fields = [field for field, _ in self.get_valid_fields(None, view)]
        return [*fields, *(f"-{field}" for field in fields)]

    def get_schema_operation_parameters(self, view):
        if getattr(view, "action", "list") != "list":
            return []  # another action's answer has its own order (``filter_queryset``)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    "The list's order: one or more fields, each ascending or, after a -, descending, separated "
                    "by commas (e.g. -id). Empty: the list's own order."
                ),
                "schema": {"type": "array", "items": {"type": "string", "enum": self.terms(view)}},
                "style": "form",
                "explode": False,
                "allowEmptyValue": True,
            }
        ]
