"""OpenAPI post-processing: every operation documents the error answers it can give, in the one
error shape (see ``api.errors``)."""

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
                            "field": {"type": "string"},
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
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "A request with this Idempotency-Key is still being processed, or succeeded with a secret shown once.",
    "412": "If-Match does not match the current ETag.",
    "413": "The request body is over the size limit (the message names it).",
    "415": "Unsupported media type.",
    "422": "This Idempotency-Key was used for a different request.",
    "429": "Too many requests.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
    return result
