"""The OpenAPI document as a client generator reads it (issue 16, part 5): JSON bodies only; the
headers of safe retries and optimistic concurrency declared; every error answer an operation can
give, in the error shape, and none it cannot; the same document whatever the database."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.schema import STORAGE_BOUNDS

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def headers_in(operation) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", ()) if parameter["in"] == "header"}


def test_every_request_body_is_json_only(schema):
    bodies = [(path, method, op["requestBody"]) for path, method, op in operations(schema) if "requestBody" in op]
    assert len(bodies) > 20
    for path, method, body in bodies:
        assert list(body["content"]) == ["application/json"], (method, path)


def test_every_error_answer_has_the_error_shape_and_only_possible_codes_are_listed(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        for code, answer in responses.items():
            if code.startswith(("4", "5")):
                assert answer["content"] == {"application/json": {"schema": ERROR_REF}}, (method, path, code)
        assert {"401", "403", "404", "429", "503"} <= set(responses), (method, path)
        if method == "get":
            assert not {"409", "412", "413", "415", "422"} & set(responses), (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), (method, path)
        assert ("409" in responses) == ("Idempotency-Key" in headers_in(operation)), (method, path)
        assert ("412" in responses) == ("If-Match" in headers_in(operation)), (method, path)


def test_retries_and_concurrency_headers_are_declared(schema):
    for path, method, operation in operations(schema):
        headers = headers_in(operation)
        success = {code: answer for code, answer in operation["responses"].items() if code.startswith("2")}
        if method == "post":
            assert "Idempotency-Key" in headers, path
            assert all("Idempotent-Replayed" in answer.get("headers", {}) for answer in success.values()), path
        if method in ("put", "patch", "delete"):
            assert "If-Match" in headers, (method, path)
        if method == "patch":
            assert "ETag" in success["200"].get("headers", {}), path
    for path in ("/api/v1/projects/{id}/", "/api/v1/approval-policies/{id}/", "/api/v1/webhooks/{id}/"):
        assert "ETag" in schema["paths"][path]["get"]["responses"]["200"]["headers"], path


def test_the_etag_declared_is_the_one_sent(api, people, project, schema):
    declared = schema["paths"]["/api/v1/projects/{id}/"]["get"]["responses"]["200"]["headers"]["ETag"]
    assert declared["schema"] == {"type": "string"}
    response = api(people["lead"]).get(f"/api/v1/projects/{project.pk}/")
    assert response["ETag"].startswith('"')


def test_no_bound_of_the_databases_column_types_is_in_the_document(schema):
    """SQLite and PostgreSQL give integer columns different ranges: none of them may show, so the
    document is the same on both (the rule enforced stays the database's: a 400 on PostgreSQL)."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, values in STORAGE_BOUNDS.items():
                if node.get(key) in values:
                    found.append((where, key, node[key]))
            for name, value in node.items():
                walk(value, f"{where}/{name}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(schema, "")
    assert found == []


def test_the_csv_export_declares_its_content_type(schema):
    export = schema["paths"]["/api/v1/audit-events/export/"]["get"]["responses"]["200"]
    assert export["content"] == {"text/csv": {"schema": {"type": "string"}}}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/x-www-form-urlencoded", "reason=waiting"), ("multipart/form-data; boundary=x", "--x--")],
)
def test_a_body_that_is_not_json_is_a_415_in_the_error_shape(api, people, project, content_type, body):
    response = api(people["lead"]).post(f"/api/v1/projects/{project.pk}/pause/", body, content_type=content_type)
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["status"] == 415
    assert "application/json" in error["message"] or "Unsupported media type" in error["message"]
    project.refresh_from_db()
    assert project.stage != "paused"


def untyped(node) -> str | None:
    """Why ``node`` (a Schema Object) says nothing of its values, or None when it is typed: a
    reference, an enum (``[null]``: always null), a union of typed schemas, or a type; an object
    says its properties or the type of its values, an array the type of its items."""
    if "$ref" in node or "enum" in node:
        return None
    for union in ("oneOf", "anyOf", "allOf"):
        if union in node:
            return next(filter(None, (untyped(option) for option in node[union])), None)
    if "type" not in node:
        return "no type"
    if node["type"] == "object" and "properties" not in node and "additionalProperties" not in node:
        return "an object without properties"
    if node["type"] == "object" and node.get("additionalProperties") in ({}, True):
        return "an object of untyped values"
    if node["type"] == "array" and "items" not in node:
        return "an array without items"
    return None


def schemas_in(node, where=""):
    """Every Schema Object in the document, with where it is: components, their properties, items and
    values, and the schemas of parameters and bodies inline in operations."""
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from schemas_in(value, f"{where}/{index}")
        return
    if not isinstance(node, dict):
        return
    for name, value in node.items():
        path = f"{where}/{name}"
        if name in ("schema", "items", "additionalProperties", "not") and isinstance(value, dict):
            yield path, value
        elif name == "properties":
            for prop, schema in value.items():
                yield f"{path}/{prop}", schema
        elif name in ("oneOf", "anyOf", "allOf"):
            for index, schema in enumerate(value):
                yield f"{path}/{index}", schema
        elif where == "/components/schemas":
            yield path, value
        yield from schemas_in(value, path)


def test_every_value_in_the_document_is_typed(schema):
    """A generated client types each field from the schema: a ``{}``, an object that names no
    properties (nor the type of its values) or an array of untyped items leaves it guessing."""
    found = [(where, why) for where, node in schemas_in(schema) if (why := untyped(node))]
    assert found == []
    assert len(list(schemas_in(schema))) > 1000  # the walk reaches every component and operation
