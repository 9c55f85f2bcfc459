"""The webhook event catalogue in the OpenAPI document (a drf-spectacular post-processing hook).

The schemas kept in ``webhooks/schemas/`` (JSON Schema draft 2020-12, one per event type, for the
whole delivered body) are the source. The API's document is OpenAPI 3.0, which has no ``webhooks``
section and speaks an older dialect of JSON Schema, so each is translated (``const`` → a one-value
``enum``, a ``null`` type → ``nullable``) into ``components.schemas`` as ``WebhookEvent<Name>``, and
listed under the ``x-webhooks`` extension (which Redoc shows) as the POST each delivery is, with its
headers.
"""

import json
from functools import cache
from pathlib import Path

from webhooks.models import WebhookEventType

SCHEMAS = Path(__file__).resolve().parent / "schemas"

HEADERS = {
    "X-Stagegate-Event": "The event type, as in the body's `type`.",
    "X-Stagegate-Delivery": "The delivery id, the same on every retry: process each delivery once.",
    "X-Stagegate-Timestamp": "Unix seconds of this attempt.",
    "X-Stagegate-Signature-256": "`t=<timestamp>,d=<delivery id>,v1=<hex>`: HMAC-SHA256 of "
    "`<timestamp>.<delivery id>.<raw body>` keyed with the webhook's secret (a second `v1=` during a "
    "secret rotation's grace period).",
    "X-Stagegate-Signature": "`sha256=<hex>`: HMAC-SHA256 of the raw body alone, with the current secret.",
}


def event_schema(event_type: str) -> dict:
    """The JSON Schema (draft 2020-12) of the body delivered for ``event_type``, as kept in the repository."""
    return json.loads((SCHEMAS / f"{event_type}.json").read_text())


def component_name(event_type: str) -> str:
    return "WebhookEvent" + "".join(part.capitalize() for part in event_type.replace(".", "_").split("_"))


def to_openapi_30(schema, defs_prefix: str = "#/components/schemas/"):
    """A draft 2020-12 schema as an OpenAPI 3.0 Schema Object (the keywords the catalogue uses)."""
    if isinstance(schema, list):
        return [to_openapi_30(item, defs_prefix) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {}
    for key, value in schema.items():
        if key in {"$schema", "$id", "$defs"}:
            continue
        if key == "$ref" and value.startswith("#/$defs/"):
            result[key] = defs_prefix + "WebhookEvent" + value.removeprefix("#/$defs/").capitalize()
        elif key == "const":
            result["enum"] = [value]
        elif key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            result["type"] = types[0]
            if "null" in value:
                result["nullable"] = True
        elif key == "type" and value == "null":
            result.update({"type": "object", "nullable": True, "enum": [None]})
        elif key == "anyOf" and {"type": "null"} in value:
            rest = [to_openapi_30(item, defs_prefix) for item in value if item != {"type": "null"}]
            result.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
            result["nullable"] = True
        elif key in {"properties", "$defs"}:
            result[key] = {name: to_openapi_30(item, defs_prefix) for name, item in value.items()}
        else:
            result[key] = to_openapi_30(value, defs_prefix)
    return result


@cache
def catalogue() -> tuple[dict, dict]:
    """(components, x-webhooks) for every event type of ``WebhookEventType``."""
    components, webhooks = {}, {}
    for event_type in WebhookEventType.values:
        schema = event_schema(event_type)
        for name, definition in schema.get("$defs", {}).items():
            components["WebhookEvent" + name.capitalize()] = to_openapi_30(definition)
        name = component_name(event_type)
        components[name] = {
            **to_openapi_30(schema),
            "title": name,  # generated clients name the model after the title
            "description": f"{schema['description']} JSON Schema (draft 2020-12): webhooks/schemas/{event_type}.json.",
        }
        webhooks[event_type] = {
            "post": {
                "summary": WebhookEventType(event_type).label,
                "description": schema["description"],
                "operationId": f"webhook_{event_type.replace('.', '_')}",
                "tags": ["webhooks"],
                "parameters": [
                    {
                        "name": header,
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": text,
                    }
                    for header, text in HEADERS.items()
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                },
                "responses": {
                    "2XX": {"description": "Received. Anything else (or no answer in 10 seconds) is retried."}
                },
            }
        }
    return components, webhooks


def add_webhook_events(result, generator, request, public):
    """Post-processing hook: the event catalogue under ``components.schemas`` and ``x-webhooks``."""
    components, webhooks = catalogue()
    result.setdefault("components", {}).setdefault("schemas", {}).update(json.loads(json.dumps(components)))
    result["x-webhooks"] = json.loads(json.dumps(webhooks))
    return result
