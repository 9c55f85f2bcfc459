"""The integration guide's webhook example, run against a real delivery."""

import hashlib
import hmac
import importlib.util
import re
from pathlib import Path

import pytest

from projects.services.projects import project_update
from tests.webhooks.test_webhooks import Receiver
from webhooks import delivery as webhook_delivery
from webhooks import services as webhook_services
from webhooks.models import WebhookDelivery

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE = DOCS / "integration.md"
pytestmark = pytest.mark.django_db


def load_example():
    spec = importlib.util.spec_from_file_location("verify_webhook", DOCS / "examples" / "verify_webhook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def guide_verify():
    """The ``verify`` the guide shows, run as written."""
    block = re.search(r"Verify before you trust a delivery.*?```python\n(.*?)```", GUIDE.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(block, "integration.md", "exec"), namespace)  # our own documentation, as a reader copies it
    return namespace["verify"]


@pytest.fixture
def delivered(settings, tenant, people, project):
    """A real delivery as the receiver got it, and the webhook's secret."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver()
    try:
        endpoint = webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
        project_update(project=project, actor=people["lead"], name="Guide")
        for delivery_id in webhook_delivery.due_deliveries():
            webhook_delivery.attempt(delivery_id)
    finally:
        receiver.close()
    assert WebhookDelivery.objects.get().status == "delivered"
    return endpoint.secret, receiver.requests[0]


def with_signature_fields(headers, **changes):
    """``headers`` with fields of X-Stagegate-Signature-256 (and the matching plain headers) changed,
    the signature itself kept: what an attacker replaying a captured delivery can do."""
    items = dict(item.split("=", 1) for item in headers["X-Stagegate-Signature-256"].split(",") if item[:3] != "v1=")
    signatures = [item for item in headers["X-Stagegate-Signature-256"].split(",") if item[:3] == "v1="]
    items.update(changes)
    changed = {**headers, "X-Stagegate-Signature-256": ",".join([f"t={items['t']}", f"d={items['d']}", *signatures])}
    changed["X-Stagegate-Timestamp"] = items["t"]
    changed["X-Stagegate-Delivery"] = items["d"]
    return changed


@pytest.mark.parametrize("source", ["example", "guide"])
def test_the_verification_accepts_a_real_delivery_and_refuses_forgeries_and_replays(delivered, source):
    verify = load_example().verify if source == "example" else guide_verify()
    secret, sent = delivered
    headers, body = sent["headers"], sent["body"]
    sent_at = int(headers["X-Stagegate-Timestamp"])
    assert headers["X-Stagegate-Signature-256"].startswith(f"t={sent_at},d={headers['X-Stagegate-Delivery']},v1=")

    assert verify(secret, headers, body, now=sent_at + 299)["type"] == "project.updated"
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, headers, body + b" ")
    with pytest.raises(ValueError, match="bad signature"):
        verify("another secret", headers, body, now=sent_at)
    # A replay an hour later is stale; giving it a fresh time breaks the signature.
    later = sent_at + 3600
    with pytest.raises(ValueError, match="stale"):
        verify(secret, headers, body, now=later)
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, with_signature_fields(headers, t=str(later)), body, now=later)
    # Under another delivery id (to pass a receiver's "seen ids" check) it breaks too.
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, with_signature_fields(headers, d="00000000-0000-4000-8000-000000000000"), body, now=sent_at)
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, {**headers, "X-Stagegate-Delivery": "00000000-0000-4000-8000-000000000000"}, body, now=sent_at)
    with pytest.raises(ValueError, match="malformed"):
        verify(secret, {k: v for k, v in headers.items() if k != "X-Stagegate-Signature-256"}, body, now=sent_at)


def test_the_github_style_body_signature_is_still_sent(delivered):
    secret, sent = delivered
    expected = "sha256=" + hmac.new(secret.encode(), sent["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, sent["headers"]["X-Stagegate-Signature"])


def test_the_guide_documents_both_signatures_and_the_tolerance():
    guide = GUIDE.read_text()
    assert "hmac.compare_digest" in guide
    assert re.search(r"X-Stagegate-Signature: sha256=<hex>", guide)
    assert "t=<timestamp>,d=<delivery id>,v1=<hex>" in guide
    assert "**5 minutes** (300 seconds)" in guide
    assert load_example().TOLERANCE_SECONDS == 300
