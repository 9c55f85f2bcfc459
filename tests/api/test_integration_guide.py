"""The integration guide's webhook example, run against a real delivery."""

import importlib.util
import re
from pathlib import Path

import pytest

from accounts import webhooks
from accounts.models import WebhookDelivery
from projects.services.projects import project_update
from tests.api.test_webhooks import Receiver

DOCS = Path(__file__).resolve().parents[2] / "docs"
pytestmark = pytest.mark.django_db


def load_example():
    spec = importlib.util.spec_from_file_location("verify_webhook", DOCS / "examples" / "verify_webhook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guides_example_verifies_a_real_delivery_and_rejects_a_forgery(settings, tenant, people, project):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver()
    try:
        endpoint = webhooks.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
        project_update(project=project, actor=people["lead"], name="Guide")
        for delivery_id in webhooks.due_deliveries():
            webhooks.attempt(delivery_id)
    finally:
        receiver.close()
    assert WebhookDelivery.objects.get().status == "delivered"
    example = load_example()
    sent = receiver.requests[0]
    event = example.verify(endpoint.secret, sent["headers"], sent["body"])
    assert event["type"] == "project.updated"
    with pytest.raises(ValueError, match="bad signature"):
        example.verify(endpoint.secret, sent["headers"], sent["body"] + b" ")
    with pytest.raises(ValueError, match="stale"):
        example.verify(
            endpoint.secret, sent["headers"], sent["body"], now=float(sent["headers"]["X-Stagegate-Timestamp"]) + 3600
        )


def test_the_guide_shows_the_same_verification_as_the_example():
    guide = (DOCS / "integration.md").read_text()
    assert "hmac.compare_digest" in guide
    assert re.search(r"X-Stagegate-Signature: sha256=<hex>", guide)
