from django import template

from notifications.wording import local_time as _local_time

register = template.Library()


@register.filter
def local_time(moment, time_zone):
    """``{{ moment|local_time:tenant.time_zone }}``: ``3 December 2026, 14:00 (Europe/London)``."""
    return _local_time(moment, time_zone) if moment else ""
