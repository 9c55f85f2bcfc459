"""The OpenAPI document, as a client generator reads it: JSON bodies only, the headers of safe
retries and optimistic concurrency declared (``Idempotency-Key`` and ``If-Match`` in,
``Idempotent-Replayed`` and ``ETag`` out), and every error answer an operation can give, in the
one error shape (``api.errors``) — and only those it can give. The document is the same whatever
the database: storage limits that differ by database (integer ranges) are left out of it."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_lib_doc_excludes
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from api.base import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IF_MATCH_HEADER,
    CallerObjectMixin,
    SafeRetriesMixin,
)
from api.bodies import WRITE_METHODS
from api.rows import RowListMixin, RowSerializerMixin
from api.serializers import JsonTypes

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "code", "message"],
                        "properties": {
                            "field": {
                                "type": "string",
                                "description": (
                                    "Where the refused value is in the request: its path in the body, names and "
                                    "0-based list indexes joined by dots (`profile.peak_ratio`, "
                                    "`tickets.1.key`, `tickets.1` for an item refused as a whole); a query "
                                    "parameter's or header's name; `non_field_errors` for the body as a whole."
                                ),
                                "example": "tickets.1.key",
                            },
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}
ERRORS = {
    "400": "Invalid input: each field and the rule it broke.",
    "401": "Missing, unknown, expired or revoked credentials.",
    "403": "Allowed to see this, not to do it (or the token's scopes do not cover it).",
    "404": "No such object, or another client's.",
    "406": "Not acceptable: the API answers in JSON.",
    "409": "A request with this Idempotency-Key is still being processed, or succeeded with a secret shown once.",
    "412": "If-Match does not match the current ETag.",
    "413": "The request body is over the size limit (the message names it).",
    "415": "Unsupported media type: send JSON (application/json).",
    "422": "This Idempotency-Key was used for a different request.",
    "429": "Too many requests.",
    "503": "A service Stagegate depends on (the task queue) is unavailable: try again shortly.",
}
#: Every operation can answer these.
ALWAYS = ("401", "403", "404", "406", "429", "503")
#: Operations with a body: it can be invalid, too large or not JSON. So can a body sent to a write
#: that takes none, which is refused (``api.bodies``).
WITH_BODY = ("400", "413", "415")
#: Integer bounds that come from the database's column types (SQLite's differ from PostgreSQL's).
STORAGE_BOUNDS = {
    "maximum": {32767, 2147483647, 9223372036854775807},
    "minimum": {-32768, -2147483648, -9223372036854775808},
}


class StagegateAutoSchema(AutoSchema):
    """drf-spectacular's schema of a view, with the headers of ``api.base.SafeRetriesMixin``."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if not isinstance(self.view, SafeRetriesMixin):
            return parameters
        if self.method == "POST":
            parameters += [
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description=(
                        f"Up to {IDEMPOTENCY_KEY_MAX_LENGTH} characters. The same key with the same body "
                        "replays the first answer; with another body it is a 422; while the first is "
                        "still running, a 409."
                    ),
                ),
                OpenApiParameter(
                    "Idempotent-Replayed",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    enum=["true"],
                    response=[200, 201, 202],
                    description="Present, with the value true, when this answer replays an earlier one.",
                ),
            ]
        if self.method in ("POST", "PUT", "PATCH", "DELETE") and self.writes_one_object():
            parameters.append(
                OpenApiParameter(
                    IF_MATCH_HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description='The ETag of the object as last read, or "*": a stale tag is a 412, nothing changed.',
                )
            )
        if self.method != "DELETE" and self.answers_with_etag():
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=[200, 201],
                    description="The object's entity tag, for the If-Match of the next write.",
                )
            )
        return parameters

    def writes_one_object(self) -> bool:
        """A write on a path that names one object by the view's lookup (not a create in a list), or
        on the caller's own object at an address without an id (``api.base.CallerObjectMixin``)."""
        if isinstance(self.view, CallerObjectMixin):
            return True
        lookup = getattr(self.view, "lookup_url_kwarg", None) or getattr(self.view, "lookup_field", None)
        if lookup == "pk":
            lookup = "id"  # drf-spectacular names a pk "id" in paths
        return bool(lookup) and "{" + lookup + "}" in self.path and not self._is_list_view()

    def answers_with_etag(self) -> bool:
        return self.writes_one_object() or (self.method == "GET" and not self._is_list_view() and "{" in self.path)


def error_codes(method: str, operation: dict) -> list[str]:
    """The error answers an operation can give (``ERRORS``), by what it takes."""
    codes = list(ALWAYS)
    if "requestBody" in operation or method.upper() in WRITE_METHODS:
        codes += WITH_BODY
    elif any(parameter.get("in") == "query" for parameter in operation.get("parameters", ())):
        codes.append("400")  # a filter, ordering or cursor it cannot read
    headers = {parameter["name"] for parameter in operation.get("parameters", ()) if parameter.get("in") == "header"}
    if IDEMPOTENCY_HEADER in headers:
        codes += ["400", "409", "422"]  # the key itself can be malformed
    if IF_MATCH_HEADER in headers:
        codes += ["400", "412"]  # a malformed If-Match is a 400
    return sorted(set(codes))


def add_error_responses(result, generator, request, public):
    """Every operation documents exactly the error answers it can give, each in the error shape
    (an answer a view declared with a description only gets the shape too); and integer bounds
    that depend on the database are left out."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in [code for code in responses if code in ERRORS]:
                if code not in error_codes(method, operation):
                    del responses[code]
            for code in error_codes(method, operation):
                answer = responses.setdefault(code, {"description": ERRORS[code]})
                answer["content"] = {"application/json": {"schema": reference}}
    _drop_storage_bounds(result.get("components", {}).get("schemas", {}))
    return result


def _drop_storage_bounds(node) -> None:
    if isinstance(node, dict):
        for key, values in STORAGE_BOUNDS.items():
            if isinstance(node.get(key), int) and node[key] in values:
                del node[key]
                if node.get("format") == "int64":
                    del node["format"]
        for value in node.values():
            _drop_storage_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _drop_storage_bounds(value)


def lib_doc_excludes() -> list[type]:
    """The classes whose docstrings describe code, not the API (``GET_LIB_DOC_EXCLUDES``): DRF's and
    drf-spectacular's, the mixins that read a list as rows (``api.rows``) and the one that checks a
    body (``api.serializers``), so a serializer or view without a docstring of its own stays without
    a description."""
    return [*get_lib_doc_excludes(), RowSerializerMixin, RowListMixin, JsonTypes]


def allow_empty_query_values(result, generator, request, public):
    """Post-processing hook: an optional query parameter sent empty (``?status=``) is as if it were
    not sent, as HTML forms have it (the browsable API's filter form sends every field, filled or
    not); the schema says so (``allowEmptyValue``). Not for a list: ``?stage=`` names no stage, and
    is refused."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else ():
                if (
                    parameter.get("in") == "query"
                    and not parameter.get("required")
                    and parameter.get("schema", {}).get("type") != "array"
                ):
                    parameter["allowEmptyValue"] = True
    return result


def refuse_other_body_names(result, generator, request, public):
    """Post-processing hook: every object a request body holds takes only the names it lists
    (``additionalProperties: false``), as the API answers any other with a 400 naming it
    (``api.serializers.JsonTypes``, ``api.fields.FieldsObject``, the services' own checks of the
    objects they take). An object that takes names of its own choosing (a map, ``JsonObject``)
    says so with its own ``additionalProperties`` and keeps it."""
    schemas = result.get("components", {}).get("schemas", {})
    seen = set()
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                for content in operation["requestBody"].get("content", {}).values():
                    _close_objects(content.get("schema", {}), schemas, seen)
    return result


def _close_objects(node, schemas, seen) -> None:
    if isinstance(node, list):
        for value in node:
            _close_objects(value, schemas, seen)
        return
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name not in seen and name in schemas:
            seen.add(name)
            _close_objects(schemas[name], schemas, seen)
        return
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    for value in node.get("properties", {}).values():
        _close_objects(value, schemas, seen)
    for key in ("items", "additionalProperties", "allOf", "oneOf", "anyOf"):
        if key in node:
            _close_objects(node[key], schemas, seen)
