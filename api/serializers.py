"""The API's serializers: a value in a JSON body has the JSON type the schema gives its field.

DRF reads a field's value into the field's type by whatever route Python offers: a number sent for
a text field becomes text (``"title": 0`` is stored as ``"0"``), ``1`` and ``"yes"`` become true, and
``"7"`` becomes the number 7. The OpenAPI schema promises a string, a boolean and an integer, and a
client that sends something else has a bug it should hear about, not a guess made for it. So every
serializer the API reads a body with is one of these two, which refuse a value of another JSON type
with 400 naming the field and the type it takes, before anything is read or changed. Null is left to
the field (``allow_null``), lists and objects to DRF, which already refuses the wrong one. A decimal
takes a number as well as its text (``"60.5"`` or ``60.5``), and the schema says so
(``DecimalFieldSchema``).

DRF also ignores a name of the body that is none of the serializer's fields: a client that misspells
``titel`` is answered 200 and nothing changed. Here such a name is refused by name, as is a read-only
field sent (``JsonTypes``), and the schema says so (``additionalProperties: false``,
``api.schema.refuse_other_body_names``).
"""

from collections.abc import Mapping

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import relations, serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.settings import api_settings

TEXT = "Give text (a JSON string) here."
TRUE_OR_FALSE = "Give true or false (a JSON boolean) here."
WHOLE_NUMBER = "Give a whole number (a JSON number, not text) here."
NUMBER = "Give a number (a JSON number, not text) here."
DECIMAL = 'Give a number, as a JSON number or as text (e.g. 60 or "60.5"), here.'
#: What a name of a body that is no field the endpoint takes is told.
UNKNOWN_FIELD = "Not a field this endpoint takes."


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole_number(value) -> bool:
    return _is_number(value) and (isinstance(value, int) or value.is_integer())


def json_type_problem(field: serializers.Field, value) -> str | None:
    """What is wrong with the JSON type of ``value`` for ``field`` (None: nothing, or not ours to say)."""
    if value is None:
        return None  # the field says whether it may be null
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else TRUE_OR_FALSE
    if isinstance(field, serializers.IntegerField | relations.PrimaryKeyRelatedField):
        return None if _is_whole_number(value) else WHOLE_NUMBER
    if isinstance(field, serializers.FloatField):
        return None if _is_number(value) else NUMBER
    if isinstance(field, serializers.DecimalField):
        return None if isinstance(value, str) or _is_number(value) else DECIMAL
    if isinstance(field, serializers.MultipleChoiceField):
        return None  # a list: DRF refuses anything else
    if isinstance(field, serializers.ChoiceField):
        # DRF reads a choice by its text: numbered ones would take "4" for 4, text ones an object's or
        # a list's text, and a value passed on as sent (``api.fields.ObjectField``) never meets DRF.
        if bool(field.choices) and all(isinstance(key, int) for key in field.choices):
            return None if _is_whole_number(value) else WHOLE_NUMBER
        return None if isinstance(value, str) else TEXT
    if isinstance(field, serializers.CharField | serializers.UUIDField | relations.SlugRelatedField):
        return None if isinstance(value, str) else TEXT
    return None


def json_type_errors(fields: Mapping[str, serializers.Field], data: Mapping) -> dict[str, list[ErrorDetail]]:
    """The errors, by field name, of the values of ``data`` whose JSON type their writable field does
    not take (empty: none)."""
    errors = {}
    for name, field in fields.items():
        if field.read_only or name not in data:
            continue
        problem = json_type_problem(field, data[name])
        if problem is not None:
            errors[name] = [ErrorDetail(problem, code="invalid")]
    return errors


def unknown_field_errors(fields: Mapping[str, serializers.Field], data: Mapping, message: str) -> dict:
    """The errors, by name, of the names in ``data`` that are none of the writable ``fields``, each
    told ``message``. A read-only field sent is one of them: the write would not change it, and a
    client that sends it (a project's ``stage``) means to."""
    writable = {name for name, field in fields.items() if not field.read_only}
    return {name: [ErrorDetail(message, code="invalid")] for name in sorted(set(data) - writable)}


class JsonTypes:
    """Refuses a body (or an object in it) whose values are not of their fields' JSON types (see the
    module's docstring), or that holds a name that is none of its writable fields, with the errors of
    the rest of the body, each name once.

    A read-only field sent back (``id``, ``created_at`` of what a client read) is refused as well,
    not ignored as DRF would: the request body's schema does not list it, most writes take another
    serializer than the answer's (where no name of the answer is a field), and a client that sends
    one (``stage``, ``consecutive_failures``) expects it to change."""

    #: What a name that is no writable field is told; None for a serializer whose view passes such
    #: names on, for the service to refuse in its own words.
    unknown_field_message = UNKNOWN_FIELD

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # DRF refuses it in its own words
        wrong = json_type_errors(self.fields, data)
        if self.unknown_field_message is not None:
            wrong = unknown_field_errors(self.fields, data, self.unknown_field_message) | wrong
        try:
            value = super().to_internal_value(data)
        except ValidationError as error:
            if not wrong:
                raise
            detail = (
                error.detail if isinstance(error.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: error.detail}
            )
            raise ValidationError({**detail, **wrong}) from None
        if wrong:
            raise ValidationError(wrong)
        return value


class Serializer(JsonTypes, serializers.Serializer):
    pass


class ModelSerializer(JsonTypes, serializers.ModelSerializer):
    pass


class DecimalFieldSchema(OpenApiSerializerFieldExtension):
    """A decimal is answered as text and taken as text or as a number: the request schema says both."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        text = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return text
        outer = {key: text.pop(key) for key in ("title", "description", "readOnly", "writeOnly") if key in text}
        # The number's bounds as drf-spectacular gives a decimal sent as a number.
        number = {"type": "number", "format": "double"}
        if self.target.max_whole_digits is not None:
            bound = 10**self.target.max_whole_digits
            number |= {"maximum": bound, "minimum": -bound, "exclusiveMaximum": True, "exclusiveMinimum": True}
        auto_schema._insert_min_max(self.target, number)
        for key in ("maximum", "minimum"):  # a field's bounds are Decimals: JSON numbers here
            if key in number:
                number[key] = int(number[key]) if number[key] == int(number[key]) else float(number[key])
        if text.get("nullable"):
            number["nullable"] = True
        return {**outer, "oneOf": [text, number]}
