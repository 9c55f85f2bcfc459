import datetime

import django_filters


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 date-time, turned into UTC before it reaches the database.

    PostgreSQL accepts offsets only up to ±15:59, ISO 8601 more: converting first means any valid
    input is a valid query.
    """

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return super().filter(qs, value)
