from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from accounts.models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    """A budget per bearer token; browser sessions are not throttled here."""

    scope = "per_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class TokenIssueThrottle(AnonRateThrottle):
    """Per client address on the token endpoint: a brake on password guessing."""

    scope = "token_issue"
