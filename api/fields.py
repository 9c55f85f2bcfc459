"""Serializer fields whose OpenAPI description is exactly what they accept and return."""

import copy
import re

from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

from api.serializers import json_type_errors, unknown_field_errors
from core.moments import OUTSIDE_RANGE, showable_everywhere

#: A wall-clock time without an offset: HH:MM, HH:MM:SS or HH:MM:SS.ffffff.
LOCAL_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


class LocalTimeField(serializers.TimeField):
    """A time of day in the client's time zone, without an offset (``18:00``).

    DRF's TimeField accepts ``18:00+07:00`` and silently drops the offset; a wall-clock time in the
    tenant's zone has none to give, so an offset is refused rather than ignored.
    """

    default_error_messages = {
        "invalid": "Give a time of day without an offset, as HH:MM or HH:MM:SS (the client's time zone applies)."
    }

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(LOCAL_TIME_PATTERN, value):
            self.fail("invalid")
        return super().to_internal_value(value)


#: What a date-time without an offset is told.
NAIVE_DATETIME = (
    "Give the date and time with its offset from UTC, e.g. 2026-12-03T14:00:00+01:00 or 2026-12-03T13:00:00Z: "
    "without one the moment is ambiguous."
)


#: What a well-formed date-time that names no real moment is told (hour 25, 30 February).
IMPOSSIBLE_DATETIME = (
    "Enter a valid date and time: this one does not exist (hours run from 00 to 23, minutes and seconds "
    "from 00 to 59, and the day must be one of its month's)."
)


def moment_refusal(value) -> str | None:
    """Why the ISO 8601 date-time ``value`` is refused, as a key of ``MOMENT_REFUSALS``: it names no
    real moment, it has no offset, or not every time zone can show it (``core.moments``). None when
    it is taken, and for anything that is not an ISO 8601 date-time (a date alone, garbage): the
    field's own parser answers that."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:  # well-formed, but no such hour or day
        return "impossible"
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return "naive"
    if not showable_everywhere(parsed):
        return "outside_range"
    return None


#: What each refusal of ``moment_refusal`` is told.
MOMENT_REFUSALS = {"impossible": IMPOSSIBLE_DATETIME, "naive": NAIVE_DATETIME, "outside_range": OUTSIDE_RANGE}


class AwareDateTimeField(serializers.DateTimeField):
    """A moment in ISO 8601 with its offset. DRF reads a time without one in the server's zone; the
    API refuses it instead (400 naming the field), so no client's local time is taken for UTC. A
    date-time that does not exist, or that not every time zone can show, is refused the same way."""

    default_error_messages = MOMENT_REFUSALS

    def to_internal_value(self, value):
        refusal = moment_refusal(value)
        if refusal is not None:
            self.fail(refusal)
        return super().to_internal_value(value)


class TimeFieldSchema(OpenApiSerializerFieldExtension):
    """Every time of day in the API is a wall-clock time without an offset: OpenAPI's ``format: time``
    (RFC 3339 full-time) requires one, so the schema gives the pattern instead."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "pattern": LOCAL_TIME_PATTERN, "example": "18:00:00"}


class ShapedField:
    """A field whose value passes as it is — a body part handed to a service that checks it (with
    its own words, naming each field), or a stored JSON document answered as stored — and whose
    shape the OpenAPI schema states: ``shape`` is a serializer (class or instance), a field, or a
    Schema Object given as a dict. Mixed into ``serializers.JSONField`` / ``DictField`` below."""

    def __init__(self, *args, shape, **kwargs):
        self.shape = shape
        super().__init__(*args, **kwargs)


class DocumentField(ShapedField, serializers.JSONField):
    """A stored JSON document (``models.JSONField``), answered exactly as stored."""


def null_errors(fields, data) -> dict[str, list[ErrorDetail]]:
    """The errors, by field name, of the values of ``data`` that are null where their writable field
    takes no null (its ``allow_null``, which the schema gives as ``nullable``), in the field's words.

    A value passed on as sent never meets its field, and the model does not stand in for it: Django's
    ``full_clean`` checks no empty value of a field that may be blank, None included where the column
    is NOT NULL, so a null text reached the rules between fields (``.strip()`` of None) or the
    database's constraint, a 500 either way."""
    return {
        name: [ErrorDetail(field.error_messages["null"], code="null")]
        for name, field in fields.items()
        if not field.read_only and name in data and data[name] is None and not field.allow_null
    }


class ObjectField(ShapedField, serializers.DictField):
    """A JSON object of a request, passed on as sent to the service that reads it. Where its shape
    is a serializer, each value must have the JSON type the schema gives it (``api.serializers``):
    the service would read ``7`` for text as ``"7"``; and null only where the shape's field takes it
    (``null_errors``)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        shape = self.shape() if isinstance(self.shape, type) else self.shape
        if isinstance(shape, serializers.Serializer) and (
            wrong := json_type_errors(shape.fields, value) | null_errors(shape.fields, value)
        ):
            raise ValidationError(wrong)
        return value


class ShapedFieldSchema(OpenApiSerializerFieldExtension):
    target_class = ShapedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        shape = self.target.shape
        if isinstance(shape, dict):
            return copy.deepcopy(shape)
        if isinstance(shape, type):
            shape = shape()
        return auto_schema._map_serializer_field(shape, direction)


#: The object of JSON values the audit log's before and after hold: whatever each action recorded.
#: OpenAPI 3.0 has no "any value" but ``{}``, which tells a client nothing; recursion goes through this
#: object (generated clients resolve a recursive model, not a recursive union).
JSON_OBJECT_COMPONENT = "JsonObject"
JSON_OBJECT = {"$ref": f"#/components/schemas/{JSON_OBJECT_COMPONENT}"}
_JSON_SCALARS = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]
JSON_OBJECT_SCHEMA = {
    "type": "object",
    "description": "Named JSON values: text, numbers, true or false, null, objects like this one, or lists of "
    "those (a list holds no list).",
    "additionalProperties": {
        "nullable": True,
        "anyOf": [
            *_JSON_SCALARS,
            {"type": "array", "items": {"nullable": True, "anyOf": [*_JSON_SCALARS, JSON_OBJECT]}},
            JSON_OBJECT,
        ],
    },
}


def add_json_object_component(result, generator, request, public):
    """Post-processing hook: the ``JsonObject`` component ``JSON_OBJECT`` refers to."""
    result.setdefault("components", {}).setdefault("schemas", {})[JSON_OBJECT_COMPONENT] = JSON_OBJECT_SCHEMA
    return result


class FieldsObject(ObjectField):
    """A JSON object of some of the writable fields of its shape (a serializer), passed on as sent to
    the service that takes them as keyword arguments (``ObjectField``). Any other name is refused by
    name, in the words ``unknown`` (``api.serializers.unknown_field_errors``): the names reach the
    service as its keyword arguments, so one it does not take, read only, unknown or one of the
    service's own (``project``, ``actor``), is refused here, never handed on. Each value must have the
    JSON type the schema gives it, and be null only where its field takes null (``ObjectField``).
    Every error of the object is named at once; nothing is passed on."""

    def __init__(self, *args, unknown: str, **kwargs):
        self.unknown = unknown
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        value = serializers.DictField.to_internal_value(self, data)  # an object, or DRF's refusal
        fields = (self.shape() if isinstance(self.shape, type) else self.shape).fields
        errors = (
            unknown_field_errors(fields, value, self.unknown)
            | json_type_errors(fields, value)
            | null_errors(fields, value)
        )
        if errors:
            raise ValidationError(errors)
        return value
