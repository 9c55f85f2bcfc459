"""``Authorization: Bearer <token>`` for people and service accounts."""

import hmac
from datetime import timedelta

from django.db import models
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from accounts.tokens import token_digest
from core.compiled import CompiledQuery, Parameter

#: last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)

#: A token by its prefix, with its user: every authenticated request's first read, so its SQL is
#: compiled once per connection (``core.compiled``); the row is read afresh every time.
_TOKEN_BY_PREFIX = CompiledQuery(
    lambda: ApiToken.objects.select_related("user").filter(prefix=Parameter("prefix", models.CharField()))[:1]
)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(f"{self.keyword} "):
            return None
        token = header[len(self.keyword) + 1 :].strip()
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "sg":
            raise exceptions.AuthenticationFailed("Malformed bearer token.")
        record = next(iter(_TOKEN_BY_PREFIX.run(prefix=parts[1])), None)
        if record is None or not hmac.compare_digest(record.digest, token_digest(token)):
            raise exceptions.AuthenticationFailed("Unknown bearer token.")
        if record.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if record.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired.")
        if not record.user.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        now = timezone.now()
        if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        return record.user, record

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A token from POST /api/v1/auth/tokens/."}
