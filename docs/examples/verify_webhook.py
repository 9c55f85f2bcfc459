"""Verify a Stagegate webhook before trusting it (for a ticketing tool's receiver).

Checks the HMAC-SHA256 signature of the raw body with the shared secret, in constant time, and
refuses deliveries older than five minutes (replays). Process each delivery id once.
"""

import hashlib
import hmac
import json
import time

MAX_AGE_SECONDS = 300


def verify(secret: str, headers: dict, raw_body: bytes, now: float | None = None) -> dict:
    """The event, if the delivery is authentic and fresh; ValueError otherwise."""
    expected = "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("X-Stagegate-Signature", "")):
        raise ValueError("bad signature")
    sent_at = int(headers.get("X-Stagegate-Timestamp", "0"))
    if abs((now or time.time()) - sent_at) > MAX_AGE_SECONDS:
        raise ValueError("stale delivery")
    return json.loads(raw_body)
