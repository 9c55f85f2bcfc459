"""Signing webhook deliveries, so a receiver can tell they come from Stagegate, unchanged and fresh.

Each delivery POSTs the event's fixed body with these headers:

    X-Stagegate-Event: approval.approved
    X-Stagegate-Delivery: <uuid, the same on every retry>
    X-Stagegate-Timestamp: <unix seconds of this attempt>
    X-Stagegate-Signature-256: t=<timestamp>,d=<delivery uuid>,v1=<hex HMAC-SHA256 of "<t>.<d>.<raw body>">
    X-Stagegate-Signature: sha256=<hex HMAC-SHA256 of the raw body>  (GitHub style, for compatible receivers)

Both are keyed with the endpoint's secret. The first covers the time and the delivery id, so a
receiver that refuses old timestamps and seen delivery ids cannot be fed a captured delivery again.
While a rotated secret's grace period lasts, ``X-Stagegate-Signature-256`` carries one ``v1=`` per
secret (the new one first); the GitHub-style header is signed with the current secret only.
"""

import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    """The GitHub-style signature: HMAC-SHA256 of the raw body alone."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_v1(secret: str, *, timestamp: int, delivery_id: str, body: bytes) -> str:
    """HMAC-SHA256 of ``<timestamp>.<delivery id>.<raw body>``: the time and the delivery are signed too."""
    return hmac.new(secret.encode(), f"{timestamp}.{delivery_id}.".encode() + body, hashlib.sha256).hexdigest()


def signature_headers(*, signing_secrets: list[str], timestamp: int, delivery_id: str, body: bytes) -> dict:
    signatures = ",".join(
        f"v1={sign_v1(secret, timestamp=timestamp, delivery_id=delivery_id, body=body)}" for secret in signing_secrets
    )
    return {
        "X-Stagegate-Timestamp": str(timestamp),
        "X-Stagegate-Signature-256": f"t={timestamp},d={delivery_id},{signatures}",
        "X-Stagegate-Signature": sign(signing_secrets[0], body),
    }
