"""``api.renderers``: the API's JSON is DRF's ``JSONRenderer``'s, byte for byte, whoever writes it."""

import datetime
import decimal
import enum
import uuid

import pytest
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from api.renderers import JSONRenderer, plain


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


class Label(enum.StrEnum):
    DRAFT = "draft"


EVERY_CHARACTER = "".join(chr(code) for code in range(0xD800)) + "".join(chr(code) for code in range(0xE000, 0x10000))

PLAIN = [
    {"text": "plain", "empty": "", "int": 42, "negative": -7, "true": True, "false": False, "null": None},
    {"non-ascii": "é ü 中文 🚀 \u00a0", "separators": "a\u2028b\u2029c", "escapes": '"\\/\n\r\t\b\f\x00\x1f\x7f'},
    {"every character": EVERY_CHARACTER},
    {"nested": [{"a": [1, [2, [3, {"b": None}]]]}, [], {}], "tuple": (1, "two", (3,))},
    {"limits": [2**63 - 1, -(2**63), 2**64 - 1, 0]},
    ReturnDict({"results": ReturnList([{"id": 1}, {"id": 2}], serializer=None)}, serializer=None),
    ReturnList([], serializer=None),
    [],
    "a string alone",
    7,
    True,
]

NOT_PLAIN = [
    {"float": 1.5},
    {"small float": 1e-05},
    {"big float": 1e16},
    [0.1],
    {"decimal": decimal.Decimal("1.10")},
    {"datetime": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)},
    {"date": datetime.date(2026, 1, 2)},
    {"uuid": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"lazy": gettext_lazy("Projects")},
    {"error": ErrorDetail("Bad.", code="invalid")},
    {"safe": mark_safe("<b>")},
    {"enum": Label.DRAFT},
    {"int enum": Size.BIG},
    {"bool key": {True: 1}},
    {"int key": {1: "one"}},
    {"none key": {None: 1}},
    {"a set": {1, 2}},
    {"bytes": b"raw"},
]


def drf(data, media_type="application/json", context=None):
    return renderers.JSONRenderer().render(data, media_type, context)


def ours(data, media_type="application/json", context=None):
    return JSONRenderer().render(data, media_type, context)


@pytest.mark.parametrize("data", PLAIN, ids=range(len(PLAIN)))
def test_plain_data_is_written_by_orjson_as_drf_writes_it(data):
    assert plain(data)
    assert ours(data) == drf(data)


@pytest.mark.parametrize("data", NOT_PLAIN, ids=range(len(NOT_PLAIN)))
def test_anything_else_is_written_by_drf_itself(data):
    assert not plain(data)
    assert ours(data) == drf(data)


@pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 10**40])
def test_an_integer_orjson_cannot_write_is_written_by_drf(number):
    data = {"id": number, "list": [1, number]}
    assert plain(data)
    assert ours(data) == drf(data)


def test_what_drf_refuses_is_refused_the_same_way():
    looped = {"a": []}
    looped["a"].append(looped)
    deep = []
    for _ in range(5000):
        deep = [deep]
    for data in (
        looped,
        {"nan": float("nan")},
        {"inf": [float("-inf")]},
        {"enum": Colour.RED},
        {"surrogate": "\ud800"},
        {"object": object()},
        deep,
    ):
        with pytest.raises((ValueError, TypeError, RecursionError, UnicodeEncodeError)) as by_drf:
            drf(data)
        with pytest.raises(by_drf.type):
            ours(data)


def test_an_indent_or_no_data_is_as_drf_writes_it():
    data = {"a": [1, {"b": "é\u2028"}]}
    assert ours(data, "application/json; indent=2") == drf(data, "application/json; indent=2")
    assert ours(data, None, {"indent": 4}) == drf(data, None, {"indent": 4})
    assert ours(None) == drf(None) == b""
    assert ours(data, None, None) == drf(data, None, None)


@pytest.mark.django_db
def test_the_api_answers_through_it(api, people, project):
    from django.conf import settings

    assert settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"][0] == "api.renderers.JSONRenderer"
    response = api(people["lead"]).get("/api/v1/projects/", HTTP_ACCEPT="application/json")
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.content == drf(response.data)
