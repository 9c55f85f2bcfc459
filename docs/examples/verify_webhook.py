"""Verify a Stagegate webhook before trusting it (for a ticketing tool's receiver).

``X-Stagegate-Signature-256: t=<unix seconds>,d=<delivery id>,v1=<hex>[,v1=<hex>]`` carries the
HMAC-SHA256 of ``"<t>.<d>." + raw body`` keyed with the webhook's secret. Because the time and the
delivery id are signed with the body, a captured delivery cannot be sent again with a fresh time:

- the signature is compared in constant time against every ``v1=`` (after a secret rotation there
  are two for a while, one per secret; either may match);
- ``t`` must be within ``TOLERANCE_SECONDS`` of the receiver's clock (refuses old replays);
- ``d`` must equal the ``X-Stagegate-Delivery`` header; keep the ids you processed for at least the
  tolerance window and drop a delivery whose id you have seen (refuses replays inside the window).
"""

import hashlib
import hmac
import json
import time

TOLERANCE_SECONDS = 300


def verify(secret: str, headers: dict, raw_body: bytes, now: float | None = None) -> dict:
    """The event, if the delivery is authentic and fresh; ValueError otherwise."""
    fields = {}
    signatures = []
    for item in headers.get("X-Stagegate-Signature-256", "").split(","):
        name, _, value = item.strip().partition("=")
        if name == "v1":
            signatures.append(value)
        else:
            fields[name] = value
    timestamp, delivery_id = fields.get("t", ""), fields.get("d", "")
    if not timestamp.isdigit() or not delivery_id or not signatures:
        raise ValueError("missing or malformed X-Stagegate-Signature-256")
    signed = f"{timestamp}.{delivery_id}.".encode() + raw_body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise ValueError("bad signature")
    if delivery_id != headers.get("X-Stagegate-Delivery"):
        raise ValueError("bad signature: the delivery id header does not match the signed one")
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        raise ValueError("stale delivery: its time is outside the tolerance window")
    return json.loads(raw_body)
