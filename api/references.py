"""References the API accepts: ids, slugs and usernames that name another object.

A reference is looked up only among the objects the reader may see (``tenancy.access.restrict``),
so an unknown reference and another tenant's reference get byte-identical answers, and a form or
filter the browsable API renders offers only those objects. The rule, everywhere:

- **The object a request acts on** — in the path, or named in the body as the thing a write
  happens on or under (the project of a new approval request, the tenant of a new project,
  policy or freeze window) — is a 404 when the reader may not see it, and a 403 when they may
  see it but not do this. Its permission is checked before the rest of the body is validated.
- **Any other reference** — a query filter (``?project=``, ``?tenant=``) or a body field naming
  other objects (approvers, the person a decision is relayed for) — is a 400 naming the field
  when it names nothing the reader may see. Filters answer Django's "Select a valid choice".
"""

from django.http import Http404
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from api.serializers import json_type_errors
from tenancy.access import Action, get_for_user_or_404, restrict


def visible(model, action: Action = Action.VIEW):
    """A django-filter ``queryset`` callable: the rows of ``model`` the request's user may ``action``."""

    def queryset(request):
        return restrict(model._default_manager.all(), user=getattr(request, "user", None), action=action)

    return queryset


class VisibleRelatedField(serializers.SlugRelatedField):
    """A writable reference, by ``slug_field``, to an object of ``model`` the reader may see."""

    default_error_messages = {
        "does_not_exist": "No {model} {value} here.",
        "invalid": "Give the {model}'s {slug_name}.",
    }

    def __init__(self, model, *, slug_field="pk", action: Action = Action.VIEW, **kwargs):
        self.model, self.action = model, action
        super().__init__(slug_field=slug_field, **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return restrict(self.model._default_manager.all(), user=getattr(request, "user", None), action=self.action)

    def to_internal_value(self, data):
        name = self.model._meta.verbose_name
        if not isinstance(data, str | int) or isinstance(data, bool):
            self.fail("invalid", model=name, slug_name=self.slug_field)
        try:
            return self.get_queryset().get(**{self.slug_field: data})
        except (self.model.DoesNotExist, TypeError, ValueError):
            self.fail("does_not_exist", model=name, value=data)


def target(request, *, field: str, queryset, lookup: str = "pk", action: Action = Action.VIEW, value_field=None):
    """The object named by body field ``field``, which the write acts on or under.

    Its value is parsed with ``value_field`` (400 naming the field when missing or malformed); the
    object is a 404 when the reader may not see it (unknown or another tenant's alike) and a 403
    when they may not ``action`` it — before any other field of the body is looked at.
    """
    value_field = value_field or (serializers.IntegerField() if lookup == "pk" else serializers.SlugField())
    data = request.data if isinstance(request.data, dict) else {}
    if wrong := json_type_errors({field: value_field}, data):
        raise ValidationError(wrong)
    try:
        value = value_field.run_validation(data.get(field, serializers.empty))
    except ValidationError as error:
        raise ValidationError({field: error.detail}) from None
    try:
        return get_for_user_or_404(queryset, user=request.user, action=action, **{lookup: value})
    except (TypeError, ValueError):
        raise Http404 from None
