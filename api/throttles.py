import logging

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from accounts.models import ApiToken
from core.cache import redis_pipeline

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


class WindowCounterThrottle(SimpleRateThrottle):
    """At most ``num_requests`` per key in each fixed window of ``duration`` seconds.

    One counter per key and window, incremented and given its expiry in one Redis round trip.
    DRF's own throttles keep a list of every request's time, read and written back whole on each
    request: at a budget of 1,200 a minute that is a list of up to 1,200 floats per call. A fixed
    window lets a client spend up to twice its budget across a window's edge; this is a brake on
    runaway clients, not metering.
    """

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES  # read now, so a changed setting takes effect
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No default throttle rate set for {self.scope!r} scope")
        return rates[self.scope]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        return _count(f"{key}:{window}", expires=self.duration + 1) <= self.num_requests

    def wait(self):
        return self.duration - (self.now % self.duration)


def _count(key: str, *, expires: int) -> int:
    """Add one to the counter ``key`` and return it (one round trip on Redis)."""
    with redis_pipeline() as (pipeline, make_key):
        if pipeline is not None:
            pipeline.incr(make_key(key))
            pipeline.expire(make_key(key), expires)
            count, _ = pipeline.execute()
            return count
    if cache.add(key, 1, timeout=expires):
        return 1
    return cache.incr(key)


class PerTokenThrottle(FailOpenMixin, WindowCounterThrottle):
    """A budget per bearer token; browser sessions are not throttled here."""

    scope = "per_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class TokenIssueThrottle(FailOpenMixin, WindowCounterThrottle):
    """Per client address on the token endpoint: a brake on password guessing."""

    scope = "token_issue"
    get_cache_key = AnonRateThrottle.get_cache_key
