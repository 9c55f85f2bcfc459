"""The OpenAPI document references the webhook event catalogue and stays valid OpenAPI 3.0."""

import json

import jsonschema
import pytest
from drf_spectacular.validation import validate_schema

from webhooks.models import WebhookEventType
from webhooks.openapi import component_name, event_schema, to_openapi_30

pytestmark = pytest.mark.django_db


def openapi_as_json_schema(schema):
    """Read an OpenAPI 3.0 schema object back as JSON Schema: ``nullable`` admits null."""
    if isinstance(schema, list):
        return [openapi_as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: openapi_as_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        result = {"anyOf": [{"type": "null"}, result]}
    return result


@pytest.fixture(scope="module")
def document(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/schema/?format=json").json()


def test_every_event_type_is_a_webhook_of_the_document_with_its_body_schema(document):
    validate_schema(document)  # drf-spectacular's own check against the OpenAPI 3.0 meta-schema
    assert set(document["x-webhooks"]) == set(WebhookEventType.values)
    for event_type, path_item in document["x-webhooks"].items():
        ref = path_item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{component_name(event_type)}"
        component = document["components"]["schemas"][component_name(event_type)]
        assert f"webhooks/schemas/{event_type}.json" in component["description"]
        headers = {p["name"] for p in path_item["post"]["parameters"] if p["in"] == "header"}
        assert {"X-Stagegate-Delivery", "X-Stagegate-Signature-256"} <= headers


def test_the_translation_for_openapi_accepts_and_refuses_what_the_json_schema_does(document):
    """The OpenAPI copy is the same contract: a body of each kind is judged alike by both."""
    components = document["components"]["schemas"]
    tickets = [{"system": "jira", "key": "AI-42", "url": ""}]
    body = {
        "id": "0b7f4c1e-0000-4000-8000-000000000000",
        "type": "gate.evidence_withdrawn",
        "time": "2026-12-01T10:00:00+00:00",
        "tenant": 1,
        "data": {
            "object_type": "assessments.gateevidence",
            "object_id": "3",
            "project_id": 4,
            "action": "gate.evidence_withdrawn",
            "actor": "lead",
            "before": {
                "item": "monitoring",
                "note": "",
                "url": "",
                "reference": "",
                "expires_on": None,
                "accepted": False,
            },
            "after": None,
            "tickets": tickets,
        },
    }
    original = jsonschema.Draft202012Validator(event_schema("gate.evidence_withdrawn"))
    translated = openapi_as_json_schema(to_openapi_30(event_schema("gate.evidence_withdrawn")))
    translated["$defs"] = {}
    registry_schema = {**translated, "components": {"schemas": openapi_as_json_schema(components)}}
    copy = jsonschema.Draft202012Validator(json.loads(json.dumps(registry_schema)))
    assert original.is_valid(body)
    assert copy.is_valid(body)
    for broken in (
        {**body, "type": "gate.evidence_accepted"},
        {**body, "data": {**body["data"], "after": {}}},
        {**body, "data": {**body["data"], "tickets": [{"system": "jira"}]}},
    ):
        assert not original.is_valid(broken)
        assert not copy.is_valid(broken)
