"""The OpenAPI schema describes what the server accepts and returns: no field looser or stricter."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def _times(components):
    for name, schema in components.items():
        for field, prop in schema.get("properties", {}).items():
            if field.endswith("_time"):
                yield name, field, prop


def test_times_of_day_are_declared_as_returned_without_an_offset(api, people, components):
    times = list(_times(components))
    assert {name for name, _, _ in times} >= {
        "FreezeWindow",
        "FreezeWindowWriteRequest",
        "PatchedFreezeWindowWriteRequest",
    }
    for name, field, prop in times:
        assert prop.get("format") != "time", (name, field)  # RFC 3339 full-time requires an offset
        assert prop["pattern"], (name, field)
    created = api(people["admin"]).post(
        "/api/v1/freeze-windows/",
        {"tenant": "acme", "name": "Weekend", "kind": "weekly", "start_weekday": 4, "start_time": "18:00",
         "end_weekday": 0, "end_time": "06:00"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    pattern = components["FreezeWindow"]["properties"]["start_time"]["pattern"]
    assert re.fullmatch(pattern, created.json()["start_time"])


@pytest.mark.parametrize("value", ["18:00+07:00", "18:00Z", "6pm", "25:00"])
def test_a_time_with_an_offset_or_out_of_pattern_is_refused_not_silently_cut(api, people, components, value):
    pattern = components["FreezeWindowWriteRequest"]["properties"]["start_time"]["pattern"]
    assert not re.fullmatch(pattern, value)
    response = api(people["admin"]).post(
        "/api/v1/freeze-windows/",
        {"tenant": "acme", "name": "W", "kind": "weekly", "start_weekday": 4, "start_time": value,
         "end_weekday": 0, "end_time": "06:00"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == "start_time"


def test_freeze_window_choices_and_lengths_are_in_the_schema(components):
    write = components["FreezeWindowWriteRequest"]["properties"]
    assert write["name"]["maxLength"] == 120
    assert "$ref" in str(write["kind"]) or "enum" in write["kind"]
    assert "$ref" in str(write["start_weekday"]) or "enum" in str(write["start_weekday"])


def test_a_token_name_over_its_column_is_refused_not_cut(db, people, components):
    assert components["TokenRequestRequest"]["properties"]["name"]["maxLength"] == 100
    response = APIClient().post(
        "/api/v1/auth/tokens/",
        {"username": "cadmin", "password": "stagegate-demo", "name": "n" * 101},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == "name"
    assert not ApiToken.objects.filter(user=people["admin"]).exists()
