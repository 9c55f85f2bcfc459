"""docs/examples/webhook_receiver.py, run as its own process, receiving real deliveries of a webhook
subscribed through the API: it verifies the signature, processes each delivery once, routes the
event by the project's ticket key, and refuses a tampered body."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from projects.services.projects import ticket_link
from tests.webhooks.test_webhooks import Receiver, send_due
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.signing import signature_headers

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "webhook_receiver.py"
pytestmark = pytest.mark.django_db


@pytest.fixture
def jira():
    """Stands in for a Jira Automation incoming webhook: records what it is sent, answers as told."""
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def example(tmp_path, settings, jira):
    """The example receiver as a subprocess on a free local port, forwarding to ``jira``; its output
    and record files."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0, 0, 0]
    files = {"secret": tmp_path / "secret.txt", "record": tmp_path / "routed.jsonl", "seen": tmp_path / "seen.db"}
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--port", "0", "--secret-file", str(files["secret"]),
         "--record", str(files["record"]), "--seen", str(files["seen"]), "--jira-url", jira.url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "JIRA_WEBHOOK_TOKEN": "jira-rule-secret"},
    )  # fmt: skip
    try:
        first = process.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:"), first
        yield {"url": first.split(" on ")[1].strip() + "stagegate", "process": process, **files}
    finally:
        process.terminate()
        process.wait(timeout=10)


def routed(example):
    path = example["record"]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_example_receiver_verifies_deduplicates_and_routes_by_ticket_key(example, jira, api, people, project):
    ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    admin = api(people["admin"])
    created = admin.post(
        "/api/v1/webhooks/",
        {"tenant": "acme", "url": example["url"], "event_types": ["project.updated"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    example["secret"].write_text(created.json()["secret"] + "\n")

    renamed = api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/", {"name": "Routed"}, format="json")
    assert renamed.status_code == 200, renamed.json()
    jira.answers = [500]  # Jira refuses the first forward: the receiver answers 502 and Stagegate retries
    send_due()
    send_due()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered", delivery.attempts
    assert [attempt["status_code"] for attempt in delivery.attempts] == [502, 200]
    forwarded = jira.requests[-1]
    assert len(jira.requests) == 2
    assert forwarded["headers"]["X-Automation-Webhook-Token"] == "jira-rule-secret"
    forwarded_body = json.loads(forwarded["body"])
    assert forwarded_body["issues"] == ["AI-42"]
    assert forwarded_body["data"]["tickets"] == [{"system": "jira", "key": "AI-42", "url": ""}]
    assert forwarded_body["type"] == "project.updated"
    assert routed(example) == [
        {
            "delivery": str(delivery.uid),
            "event": str(delivery.event.uid),
            "type": "project.updated",
            "project_id": project.pk,
            "system": "jira",
            "ticket": "AI-42",
        }
    ]

    # The same delivery again (a redelivery by hand): accepted, not processed twice.
    again = admin.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver/", {}, format="json")
    assert again.status_code == 200
    send_due()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len(routed(example)) == 1
    assert len(jira.requests) == 2

    # A tampered body under the real signature is refused (401) and routed nowhere; so is a wrong secret.
    event = WebhookEvent.objects.get()
    body = event.body.encode()
    headers = signature_headers(
        signing_secrets=[created.json()["secret"]],
        timestamp=int(delivery.created_at.timestamp()) + 1,
        delivery_id="11111111-1111-4111-8111-111111111111",
        body=body,
    )
    headers["X-Stagegate-Delivery"] = "11111111-1111-4111-8111-111111111111"
    tampered = body.replace(b'"key": "AI-42"', b'"key": "AI-666"')
    assert tampered != body
    assert post(example["url"], tampered, headers) == (401, {"result": "refused: bad signature"})
    forged = signature_headers(
        signing_secrets=["not the secret"], timestamp=int(delivery.created_at.timestamp()), delivery_id="x", body=body
    )
    assert post(example["url"], body, {**forged, "X-Stagegate-Delivery": "x"})[0] == 401
    assert len(routed(example)) == 1
    # The untouched body with the same headers is accepted: the refusal above was the tampering.
    assert post(example["url"], body, headers) == (200, {"result": "accepted"})
    assert [line["ticket"] for line in routed(example)] == ["AI-42", "AI-42"]

    example["process"].terminate()
    output = example["process"].communicate(timeout=10)[0]
    assert f"project.updated -> jira:AI-42 (delivery {delivery.uid})" in output
    assert "refused: bad signature" in output
    assert f"duplicate delivery {delivery.uid}" in output
