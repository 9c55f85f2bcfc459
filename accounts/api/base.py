"""What every Stagegate API view shares: safe retries and optimistic concurrency.

- ``Idempotency-Key`` on POST: the same key with the same body replays the first response; with
  another body it is a 422; while the first is still running, a 409. Keys belong to the caller.
- ``ETag`` on reads of one object and ``If-Match`` on PATCH/PUT: a stale tag is a 412.
"""

import hashlib
import json
import logging

from django.db import DatabaseError, IntegrityError, transaction
from rest_framework.response import Response

from accounts.api.errors import PreconditionFailed, RetryInProgress, UnprocessableRetry, error_response
from accounts.models import IdempotencyRecord

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"


class _Replay(Exception):
    def __init__(self, response):
        self.response = response


class SafeRetriesMixin:
    """For DRF views: idempotent POSTs and ETag / If-Match."""

    #: The token scope an action needs (a scope or a callable of the request); None: read or write by method.
    required_scope = None

    def initial(self, request, *args, **kwargs):
        self._idempotency = None
        key = request.headers.get(IDEMPOTENCY_HEADER)
        body = request._request.body if request.method == "POST" and key else b""
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and key:
            self._idempotency = self._claim(request, key[:200], body)

    def _claim(self, request, key, body):
        digest = hashlib.sha256(request.method.encode() + request.path.encode() + b"\n" + body).hexdigest()
        for _ in range(3):
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        user=request.user, key=key, method=request.method, path=request.path, body_digest=digest
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
        response = Response(existing.response_body, status=existing.status_code, headers=existing.response_headers)
        response["Idempotent-Replayed"] = "true"
        raise _Replay(response)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        if isinstance(exc, PreconditionFailed | UnprocessableRetry | RetryInProgress):
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
                record.response_body = response.data
                record.response_headers = {k: v for k, v in response.items() if k in {"Location", "ETag"}}
                record.save(update_fields=["status_code", "response_body", "response_headers"])
        return response

    # --- ETag / If-Match ---------------------------------------------------------------------

    def etag_for(self, obj) -> str:
        return etag_of(self.get_serializer(obj).data)

    def check_if_match(self, request, obj):
        expected = request.headers.get("If-Match")
        if expected and expected != "*" and expected != self.etag_for(obj):
            raise PreconditionFailed

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        return Response(data, headers={"ETag": etag_of(data)})


def etag_of(data) -> str:
    """The ETag of an object's representation."""
    return '"' + hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32] + '"'
