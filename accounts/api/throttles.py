import logging

from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from accounts.models import ApiToken

logger = logging.getLogger(__name__)


class FailOpenMixin:
    """Counts live in the cache (Redis). If it cannot be reached, requests pass unthrottled and a
    warning is logged: an outage of the cache must not take the API's reads down with it."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except RedisError:
            logger.warning("Throttle %s skipped: the cache is unreachable.", self.scope, exc_info=True)
            return True


class PerTokenThrottle(FailOpenMixin, SimpleRateThrottle):
    """A budget per bearer token; browser sessions are not throttled here."""

    scope = "per_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class TokenIssueThrottle(FailOpenMixin, AnonRateThrottle):
    """Per client address on the token endpoint: a brake on password guessing."""

    scope = "token_issue"
