"""What every Stagegate API view shares: safe retries and optimistic concurrency.

- ``Idempotency-Key`` on POST: the same key with the same body replays the first response; with
  another body it is a 422; while the first is still running, a 409. Keys belong to the caller.
  An answer that carries a secret shown once (``OneTimeSecretResponse``) is never stored: a retry
  is told, with a 409, that the request succeeded.
- ``ETag`` on reads of one object and ``If-Match`` on every write to one object (PATCH, PUT,
  DELETE and the POST actions on it): a stale tag is a 412, as RFC 9110 says (lists, ``*``, strong
  comparison).
- A write that takes no body refuses one that carries names (``api.bodies``), before anything,
  an Idempotency-Key included, is claimed or changed.
"""

import hashlib
import json
import logging
import re

from django.db import DatabaseError, IntegrityError, transaction
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from api.bodies import refuse_body_not_taken
from api.errors import PreconditionFailed, RetryInProgress, SecretAlreadyShown, UnprocessableRetry, error_response
from api.models import IdempotencyRecord

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
IF_MATCH_HEADER = "If-Match"
#: Longest Idempotency-Key accepted (the stored column's length): a longer one is refused, never cut.
IDEMPOTENCY_KEY_MAX_LENGTH = 200


class OneTimeSecretResponse(Response):
    """An answer carrying a secret that is shown once (a new API token, a webhook's signing secret).

    Its body is never kept for an Idempotency-Key replay, so the secret exists only in this answer
    (and, for a token, as a hash); a retry of the same request is answered 409 ``secret_already_shown``.
    """


class _Replay(Exception):
    def __init__(self, response):
        self.response = response


class SafeRetriesMixin:
    """For DRF views: idempotent POSTs and ETag / If-Match; a body sent to a write that takes none
    is refused."""

    #: The token scope an action needs (a scope or a callable of the request); None: read or write by method.
    required_scope = None

    def initial(self, request, *args, **kwargs):
        self._idempotency = None
        key = request.headers.get(IDEMPOTENCY_HEADER)
        body = request._request.body if request.method == "POST" and key else b""
        super().initial(request, *args, **kwargs)
        refuse_body_not_taken(request)
        if request.method == "POST" and key and request.user.is_authenticated:
            # Keys belong to a caller: an anonymous request (the token endpoint) is not replayed.
            self._idempotency = self._claim(request, idempotency_key_checked(key), body)

    def _claim(self, request, key, body):
        digest = hashlib.sha256(request.method.encode() + request.path.encode() + b"\n" + body).hexdigest()
        for _ in range(3):
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        user=request.user, key=key, method=request.method, path=request.path[:500], body_digest=digest
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            # Released or stale (expired, or a claim whose process died): the key is free again.
            if existing is not None and not IdempotencyRecord.objects.filter(pk=existing.pk).stale().delete()[0]:
                break
        else:
            raise RetryInProgress  # claimed and freed again each time: concurrent retries of one key
        if existing.body_digest != digest:
            raise UnprocessableRetry
        if existing.status_code is None:
            raise RetryInProgress
        if existing.secret_withheld:
            raise SecretAlreadyShown
        response = Response(existing.response_body, status=existing.status_code, headers=existing.response_headers)
        response["Idempotent-Replayed"] = "true"
        raise _Replay(response)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        if isinstance(exc, PreconditionFailed | UnprocessableRetry | RetryInProgress | SecretAlreadyShown):
            return error_response(exc)
        try:
            return super().handle_exception(exc)
        except BaseException:
            # Unhandled: DRF re-raises and never calls finalize_response, so free the key here.
            self._release_claim()
            raise

    def _release_claim(self):
        """Free this request's Idempotency-Key so the client can retry a request that failed."""
        record, self._idempotency = getattr(self, "_idempotency", None), None
        if record is None:
            return
        try:
            IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()
        except DatabaseError:
            # The enclosing transaction failed and will roll the claim back with it; if not, the
            # claim is taken over after IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS.
            logger.warning("Idempotency-Key %r not released: the database refused", record.key, exc_info=True)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_idempotency", None)
        if record is not None:
            if response.status_code >= 500:
                self._release_claim()  # let the client retry a server error
            else:
                record.status_code = response.status_code
                record.secret_withheld = isinstance(response, OneTimeSecretResponse)
                record.response_body = None if record.secret_withheld else response.data
                record.response_headers = {k: v for k, v in response.items() if k in {"Location", "ETag"}}
                record.save(update_fields=["status_code", "secret_withheld", "response_body", "response_headers"])
        return response

    # --- ETag / If-Match ---------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        """A write carrying If-Match runs in one transaction: the object's row is locked when it is
        loaded (``get_object``), so the tag is compared with what the write will change, and a
        concurrent write with the same tag waits and then gets its 412. A refused write changes nothing."""
        self._precondition_checked = request.method in SAFE_METHODS or IF_MATCH_HEADER not in request.headers
        if self._precondition_checked:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response

    def get_object(self):
        obj = super().get_object()
        if not getattr(self, "_precondition_checked", True):
            # Lock, then read again: the representation the tag is compared with cannot change under us.
            list(type(obj)._default_manager.select_for_update().filter(pk=obj.pk).values_list("pk"))
            obj = super().get_object()
            self.check_if_match(self.request, obj)
        return obj

    def etag_for(self, obj) -> str:
        return etag_of(self.get_serializer(obj).data)

    def check_if_match(self, request, obj):
        """RFC 9110 §13.1.1, for every write on one object (``get_object`` calls it): ``*`` matches
        any current object; otherwise one of the listed tags must equal the object's current ETag by
        strong comparison (a weak ``W/`` tag never matches). Else 412 and nothing changes."""
        self._precondition_checked = True
        header = request.headers.get(IF_MATCH_HEADER)
        if header is None:
            return
        tags = if_match_tags(header)
        if tags is None:
            return
        current = self.etag_for(obj)
        if not any(not weak and tag == current for weak, tag in tags):
            raise PreconditionFailed

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        return Response(data, headers={"ETag": etag_of(data)})


class CallerObjectMixin:
    """For a view of one object of the caller's own at an address without an id (``/me/...``):
    ``get_object`` answers ``caller_object()``. Placed after ``SafeRetriesMixin`` and before the DRF
    view in the bases, its reads carry the object's ETag and its writes honour If-Match as for any
    one object."""

    def caller_object(self):
        raise NotImplementedError

    def get_object(self):
        return self.caller_object()


def etag_of(data) -> str:
    """The ETag of an object's representation."""
    return '"' + hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32] + '"'


_ENTITY_TAG = re.compile(r'(W/)?("[\x21\x23-\x7e\x80-\xff]*")')
_IF_MATCH_RULE = 'Give "*" or a comma-separated list of quoted entity tags, as sent in the ETag header.'


def if_match_tags(header: str) -> list[tuple[bool, str]] | None:
    """The (weak, tag) pairs of an If-Match header, None for ``*``; a malformed header is a 400
    naming it (ignoring it would write without the precondition the client asked for)."""
    if header.strip() == "*":
        return None
    tags, position = [], 0
    while True:
        while position < len(header) and header[position] in " \t,":
            position += 1
        if position == len(header):
            break
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            break
        tags.append((bool(match.group(1)), match.group(2)))
        position = match.end()
        while position < len(header) and header[position] in " \t":
            position += 1
        if position < len(header) and header[position] != ",":
            tags = []
            break
    if not tags or position != len(header):
        raise ValidationError({IF_MATCH_HEADER: [ErrorDetail(_IF_MATCH_RULE, code="invalid_header")]})
    return tags


def idempotency_key_checked(key: str) -> str:
    """The key as given, or a 400 naming the header: at most ``IDEMPOTENCY_KEY_MAX_LENGTH`` visible
    ASCII characters and spaces (an IETF draft's sf-string), so two keys never collide by truncation."""
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        rule = f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} characters; this one has {len(key)}."
    elif not all(" " <= char <= "~" for char in key):
        rule = "Only visible ASCII characters and spaces."
    else:
        return key
    raise ValidationError({IDEMPOTENCY_HEADER: [ErrorDetail(rule, code="invalid_header")]})
