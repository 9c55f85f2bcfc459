"""Serializers that describe stored JSON documents for the OpenAPI schema, derived from the
dataclasses the documents are written from (``dataclass.__dict__``, through ``DjangoJSONEncoder``:
a ``Decimal`` is stored as text, a set or tuple as a list), so the schema follows the dataclass.

They describe; they do not write: the documents are answered as stored (``api.fields.DocumentField``).
Every field is optional, because a document stored by an earlier version may lack a field added
since; a field that is there has the type given."""

import dataclasses
import types
import typing
from decimal import Decimal

from rest_framework import serializers

_SCALARS = {
    bool: serializers.BooleanField,
    int: serializers.IntegerField,
    str: serializers.CharField,
}


def document_field(hint, *, prefix: str, **kwargs) -> serializers.Field:
    """The serializer field describing a value of type ``hint`` as stored."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        if len(present) != 1:
            raise TypeError(f"Cannot describe the union {hint}")
        return document_field(present[0], prefix=prefix, allow_null=type(None) in args, **kwargs)
    if dataclasses.is_dataclass(hint):
        return dataclass_serializer(hint, prefix=prefix)(**kwargs)
    if hint is Decimal:
        return serializers.DecimalField(max_digits=None, decimal_places=None, **kwargs)
    if hint in _SCALARS:
        return _SCALARS[hint](**kwargs)
    if (origin is tuple and len(args) == 2 and args[1] is Ellipsis) or origin in (list, frozenset, set):
        return serializers.ListField(child=document_field(args[0], prefix=prefix), **kwargs)
    if origin is tuple:  # a pair, a triple: a list of exactly that many
        if len(set(args)) != 1:
            raise TypeError(f"Cannot describe the tuple {hint}")
        child = document_field(args[0], prefix=prefix)
        return serializers.ListField(child=child, min_length=len(args), max_length=len(args), **kwargs)
    if origin is dict and args[0] is str:
        return serializers.DictField(child=document_field(args[1], prefix=prefix), **kwargs)
    raise TypeError(f"Cannot describe {hint}")


def optional(field_class, **kwargs) -> serializers.Field:
    """A field of a stored document: optional, like every field of one."""
    return field_class(required=False, **kwargs)


_made: dict[tuple[str, type], type[serializers.Serializer]] = {}


def dataclass_serializer(cls, *, prefix: str) -> type[serializers.Serializer]:
    """A serializer describing ``cls`` as stored, named ``<prefix><cls name>`` in the schema."""
    if (prefix, cls) not in _made:
        hints = typing.get_type_hints(cls)
        fields = {
            field.name: document_field(hints[field.name], prefix=prefix, required=False)
            for field in dataclasses.fields(cls)
        }
        name = f"{prefix}{cls.__name__}Serializer"
        # A dataclass without a docstring is given its signature as one: no description then.
        doc = cls.__doc__ if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}(") else None
        _made[prefix, cls] = type(name, (serializers.Serializer,), {**fields, "__doc__": doc})
    return _made[prefix, cls]
