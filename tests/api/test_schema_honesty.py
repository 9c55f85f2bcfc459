"""The OpenAPI schema describes what the server accepts and returns: no field looser or stricter."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import ApiToken
from projects.models import HostingApproach, WorkloadType

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


def _enum(components, prop):
    """The values a property allows, following a $ref to an enum component (or an allOf/oneOf of one)."""
    refs = re.findall(r"#/components/schemas/(\w+)", str(prop))
    values = set(prop.get("enum") or ())
    for ref in refs:
        values |= set(components[ref].get("enum") or ())
    return values - {"", None}


def test_project_and_policy_writes_declare_the_choices_and_bounds_they_enforce(api, people, components):
    """A value outside what the schema lists is refused naming the field, and the schema lists what
    validation accepts: project kinds and hosting approaches, policy stages, roles and bounds."""
    project = components["ProjectCreateRequest"]["properties"]
    assert _enum(components, project["workload_type"]) == {choice for choice, _ in WorkloadType.choices}
    assert _enum(components, project["hosting_approach"]) == {choice for choice, _ in HostingApproach.choices}
    policy = components["ApprovalPolicyWriteRequest"]["properties"]
    assert _enum(components, policy["target_stage"]) == {"proof_of_concept", "pilot", "rollout", "production"}
    assert "customer_approver" in _enum(components, policy["eligible_roles"]["items"])
    assert (policy["required_approvals"]["minimum"], policy["required_approvals"]["maximum"]) == (1, 10)
    assert (policy["expiry_hours"]["minimum"], policy["expiry_hours"]["maximum"]) == (1, 2160)

    admin, lead = api(people["admin"]), api(people["lead"])
    refused = lead.post(
        "/api/v1/projects/",
        {"tenant": "acme", "name": "Odd", "code": "ODD-1", "hosting_approach": "mainframe"},
        format="json",
    )
    assert refused.status_code == 400
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["hosting_approach"]
    for field, value in (("target_stage", "discovery"), ("eligible_roles", ["janitor"]), ("expiry_hours", 0)):
        refused = admin.post("/api/v1/approval-policies/", {"tenant": "acme", field: value}, format="json")
        assert refused.status_code == 400, (field, refused.json())
        assert refused.json()["error"]["fields"][0]["field"].split(".")[0] == field
