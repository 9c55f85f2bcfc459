import datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from api.fields import NAIVE_DATETIME, has_offset


class AwareIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        if value not in self.empty_values and not has_offset(value):
            raise forms.ValidationError(NAIVE_DATETIME, code="naive")
        return super().to_python(value)


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
