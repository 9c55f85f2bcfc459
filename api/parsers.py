"""Request bodies the database can store, or a clear 4xx before any view sees them.

The API speaks JSON only (a form or multipart body is a 415). Its parser refuses, in the one error
shape:
- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413, naming the limit), whatever its Content-Length says;
- JSON nested deeper than ``MAX_DEPTH`` (400), instead of the parser's ``RecursionError`` (a 500);
- text PostgreSQL cannot store anywhere in the body, keys included: the NUL character, which it
  refuses in text and JSON, and lone UTF-16 surrogates (``"\\ud800"``), which cannot be encoded
  (400 naming the field).
"""

import codecs

from django.conf import settings
from rest_framework import exceptions, parsers, status
from rest_framework.settings import api_settings
from rest_framework.utils import json

from api.text import check_storable

#: Deepest nesting of arrays and objects a JSON body may have. No input of the API nests more
#: than three levels; the margin is for clients' own documents inside JSON fields.
MAX_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, limit=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
        super().__init__(
            f"The request body is over the limit of {limit} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE): send less at once."
        )


def read_limited(stream, parser_context) -> bytes:
    """The body, refused with 413 when it is over ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if stream is None:
        return b""
    if limit is None:
        return stream.read()
    meta = parser_context["request"].META if parser_context and "request" in parser_context else {}
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise RequestTooLarge(limit)
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestTooLarge(limit)
    return body


_JSON_KINDS = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        body = read_limited(stream, parser_context)
        try:
            text = codecs.decode(body, encoding)
            parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels is not accepted.") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        check_storable(data, max_depth=MAX_DEPTH)
        if not isinstance(data, dict):
            # Every body the API takes is an object (its schema says so): refused here, once, rather
            # than in each view that reads a field of it.
            raise exceptions.ParseError(f"The body must be a JSON object, not {_JSON_KINDS.get(type(data), 'this')}.")
        return data
