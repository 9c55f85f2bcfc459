"""A write that takes no body refuses one that carries names.

An operation whose OpenAPI document has no request body (cancel a request, mark a notification
read, rotate a webhook's secret, every DELETE...) never reads one, so DRF answered a body sent to
it with 200: a client sending ``{"reason": "..."}`` to ``cancel`` believed its reason was kept. Such
a body is refused before the view runs, as a name no serializer takes is (``api.serializers``): a
400 naming each of its names, "Not a field this endpoint takes.", nothing changed. No body, an
empty one and ``{}`` are taken. The body is read by the API's parser, so one it cannot take is
answered as on any write: not an object, a 400; not JSON, a 415; too large, a 413.

Whether an operation takes a body is what its schema says, computed by drf-spectacular's own
generator for the view the URL reached: a new action without a request body is covered by being
one, and the document and the rule cannot disagree.

It comes before the caller's rights on the object, unlike every other refusal of what was sent
(``tests/api/test_permission_first.py``): those rights are checked by the service as it writes, so
checking them first would mean doing the write. The answer depends on the request alone, so it tells
a caller who may not write nothing about the object.
"""

import functools

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework.exceptions import ValidationError

from api.serializers import UNKNOWN_FIELD, unknown_field_errors

#: The methods that write. drf-spectacular gives a DELETE no request body, ever.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def refuse_body_not_taken(request) -> None:
    """400 naming every name of the body of a write whose operation takes none (see the module's
    docstring). Called once the caller is known (authenticated, the view's permission classes
    passed) and before the view runs: the answer depends on the request alone, never on an object
    or on what the caller may do with it."""
    if request.method not in WRITE_METHODS:
        return
    match = request.resolver_match
    if match is None or not takes_no_body(match.func, request.method):
        return  # a view reached without a URL (a test's factory) is no documented operation
    names = request.data  # the API's parser: a body it cannot take is refused in its own words
    if names:
        raise ValidationError(unknown_field_errors({}, names, UNKNOWN_FIELD))


@functools.cache
def takes_no_body(callback, method: str) -> bool:
    """Whether ``method`` of the view at ``callback`` (a URL pattern's view function) is an operation
    the schema gives no request body: its view is built as drf-spectacular's generator builds it,
    with the schema of its handler (``@extend_schema(request=None)``, or a DELETE). False for a
    method the view does not route, which DRF answers 405. Kept per view and method: both come
    from the code."""
    actions = getattr(callback, "actions", None)
    routed = method.lower() in actions if actions is not None else hasattr(callback.cls, method.lower())
    if not routed:
        return False
    if method not in _METHODS_WITH_BODY:
        return True
    generator = SchemaGenerator()  # keeps the schema it gives the view alive while it is read
    view = generator.create_view(callback, method)
    view.request = spectacular_settings.GET_MOCK_REQUEST(method, "/", view, None)
    schema = view.schema
    schema.method = method
    return schema.get_request_serializer() is None
