"""One JSON error shape for every API error:

{"error": {"status": 400, "code": "invalid", "message": "…",
           "fields": [{"field": "profile.peak_ratio", "code": "min_value", "message": "…"}]}}
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import permission_denied as html_permission_denied
from django.views.defaults import server_error as html_server_error
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from api.parsers import RequestTooLarge
from core.deferred import QueueUnavailable
from core.validators import errors_within

#: What the API names an error of the body as a whole (DRF's name for it).
NON_FIELD_ERRORS = api_settings.NON_FIELD_ERRORS_KEY


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it: fetch it again (its ETag) and retry."
    default_code = "precondition_failed"


class UnprocessableRetry(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for a different request."
    default_code = "idempotency_key_reused"


class RetryInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed."
    default_code = "idempotency_in_progress"


class SecretAlreadyShown(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "A request with this Idempotency-Key already succeeded. Its answer carried a secret that is shown "
        "only once and is not kept: issue a new token, or rotate the webhook's secret."
    )
    default_code = "secret_already_shown"


class QueueUnavailableError(exceptions.APIException):
    status_code = 503
    default_code = "queue_unavailable"
    default_detail = "The task queue is unavailable right now. Try again shortly."


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, QueueUnavailable):
        exc = QueueUnavailableError(str(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"error": error_body(exc, response.status_code)}
    return response


def error_body(exc, status_code):
    if isinstance(exc, exceptions.ValidationError):
        fields = list(_flatten(exc.detail))
        return {
            "status": status_code,
            "code": "invalid",
            "message": "; ".join(f"{item['field']}: {item['message']}" for item in fields) or "Invalid input.",
            "fields": fields,
        }
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    return {
        "status": status_code,
        "code": getattr(detail, "code", None) or getattr(exc, "default_code", "error"),
        "message": str(detail),
        "fields": [],
    }


def error_response(exc) -> Response:
    return Response({"error": error_body(exc, exc.status_code)}, status=exc.status_code)


@contextmanager
def named_within(name: str, *, outside=frozenset()):
    """A service's refusal of the values of an object a body carries (a project's ``profile``, a
    switch's ``environment``), named as the body names them: ``profile.monthly_requests``, as the
    object's JSON type errors are (the services name them bare, as the pages' forms do).
    ``outside``: the names the service gives the body's own fields."""
    try:
        yield
    except DjangoValidationError as error:
        raise errors_within(error, name, outside=outside) from None


def _django_errors(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD_ERRORS if field == "__all__" else field): [
                exceptions.ErrorDetail(message, code=item.code or "invalid")
                for item in items
                for message in item.messages
            ]
            for field, items in error.error_dict.items()
        }
    return {NON_FIELD_ERRORS: [exceptions.ErrorDetail(m, code=error.code or "invalid") for m in error.messages]}


def _flatten(detail, prefix=""):
    """Each error of a nested ``detail`` with the field it names, by its path in the body: the
    names and 0-based list places from the body's top, joined by dots (``profile.peak_ratio``,
    ``tickets.1.key``, ``regions.0``). An error of an object or a list as a whole (DRF's
    ``non_field_errors`` inside it) is named by that object or list (``tickets.0``: "Expected a
    dictionary"); only the body's own is ``non_field_errors``."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, _within(prefix, key))
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                yield {
                    "field": prefix or NON_FIELD_ERRORS,
                    "code": getattr(item, "code", "invalid"),
                    "message": str(item),
                }
        else:
            for index, item in enumerate(detail):
                yield from _flatten(item, _within(prefix, index))
    else:
        yield {
            "field": prefix or NON_FIELD_ERRORS,
            "code": getattr(detail, "code", "invalid"),
            "message": str(detail),
        }


def _within(prefix: str, key) -> str:
    """The path of ``key`` (a name or a list's index) inside the value at ``prefix``."""
    if not prefix:
        return str(key)
    return prefix if key == NON_FIELD_ERRORS else f"{prefix}.{key}"


def _api_error(status_code, code, message):
    return JsonResponse(
        {"error": {"status": status_code, "code": code, "message": message, "fields": []}}, status=status_code
    )


# Django's own error views for what no API view answered (an unknown path, a malformed request, a
# crash): the same JSON shape as every API error under /api/, the product's error pages (templates/
# 400.html ...) everywhere else.


def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(400, "bad_request", "The request could not be read.")
    return html_bad_request(request, exception)


def permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(403, "permission_denied", "You do not have permission to perform this action.")
    return html_permission_denied(request, exception)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(404, "not_found", "Not found.")
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return _api_error(500, "server_error", "Server error.")
    return html_server_error(request)
