"""A row's time of last change, kept by construction for the changes feeds (``api.feeds``).

``auto_now`` alone keeps ``updated_at`` only on a plain ``save()``: a ``save(update_fields=[...])``
that does not name it, and every ``QuerySet.update()`` (``bulk_update`` included), leave it as it
was, and a tool polling ``updated_since`` would miss that change. Here both add it, unless every
field written is one the model lists in ``unlisted_changes``: bookkeeping no reader of the model's
list sees (a token's last use, a notification's email claim), whose change would only list the
row again unchanged.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

FIELD = "updated_at"


def _stamped(model, fields) -> bool:
    """Whether writing ``fields`` of ``model`` must move its ``updated_at``."""
    try:
        field = model._meta.get_field(FIELD)
    except FieldDoesNotExist:
        return False
    if not getattr(field, "auto_now", False) or FIELD in fields:
        return False
    return not set(fields) <= set(getattr(model, "unlisted_changes", ()))


class ChangeStampedQuerySet(models.QuerySet):
    """``update()`` moves ``updated_at`` too, on any model that has one (see the module)."""

    def update(self, **kwargs):
        if _stamped(self.model, kwargs):
            kwargs[FIELD] = timezone.now()
        return super().update(**kwargs)


class ChangeStamped(models.Model):
    """Base of a model whose rows change and are listed in a changes feed: ``updated_at`` moves
    on every write path, ``save(update_fields=...)`` and ``QuerySet.update()`` included."""

    #: Fields whose change no reader of the list sees: writing only these keeps ``updated_at``.
    unlisted_changes: frozenset[str] = frozenset()

    updated_at = models.DateTimeField(auto_now=True)

    objects = ChangeStampedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None and _stamped(type(self), list(update_fields)):
            update_fields = [*update_fields, FIELD]
        super().save(*args, update_fields=update_fields, **kwargs)
