"""Webhook delivery to a real HTTP receiver on this machine: signature, retries, log, redelivery."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from accounts import webhooks
from accounts.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from projects.services.projects import project_update

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP server that records what it receives and answers as told (status or hang)."""

    def __init__(self):
        self.requests = []
        self.answers = []  # per request: an int status, or "hang"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "hang":
                    time.sleep(2)
                    answer = 200
                self.send_response(answer)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0, 0, 0]
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(tenant, people, receiver):
    return webhooks.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url, event_types=[])


def send_due():
    for delivery_id in webhooks.due_deliveries():
        webhooks.attempt(delivery_id)


def verify(secret, headers, body):
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Stagegate-Signature"])


def test_a_change_is_delivered_signed_with_stable_ids(endpoint, receiver, project, people):
    project_update(project=project, actor=people["lead"], name="Renamed")
    send_due()
    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    assert verify(endpoint.secret, sent["headers"], sent["body"])
    payload = json.loads(sent["body"])
    assert payload["type"] == "project.updated" == sent["headers"]["X-Stagegate-Event"]
    assert payload["tenant"] == project.tenant_id
    assert payload["data"]["after"] == {"name": "Renamed"}
    assert {"id", "time"} <= set(payload)
    delivery = WebhookDelivery.objects.get()
    assert sent["headers"]["X-Stagegate-Delivery"] == str(delivery.uid)
    assert delivery.status == "delivered"
    assert delivery.attempts[0]["status_code"] == 200
    assert delivery.attempts[0]["duration_ms"] >= 0


def test_failures_are_retried_with_the_same_delivery_id_and_body(endpoint, receiver, project, people):
    receiver.answers = [500, "hang", 502]
    project_update(project=project, actor=people["lead"], name="Retry me")
    for _ in range(4):
        send_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    assert [a["status_code"] for a in delivery.attempts] == [500, None, 502, 200]
    assert "timed out" in delivery.attempts[1]["error"].lower()
    ids = {r["headers"]["X-Stagegate-Delivery"] for r in receiver.requests}
    bodies = {r["body"] for r in receiver.requests}
    assert len(ids) == 1
    assert len(bodies) == 1


def test_backoff_spreads_six_attempts_over_hours(settings):
    settings.WEBHOOK_RETRY_DELAYS = None
    del settings.WEBHOOK_RETRY_DELAYS
    delays = webhooks.retry_delays()
    assert len(delays) + 1 >= 6
    assert delays == sorted(delays)
    assert sum(delays) >= 3 * 3600


def test_a_delivery_that_keeps_failing_gives_up_and_the_endpoint_is_disabled(endpoint, receiver, project, people):
    receiver.answers = [500] * 30
    for name in ("A", "B", "C"):
        project_update(project=project, actor=people["lead"], name=name)
        for _ in range(7):
            send_due()
    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["failed"] * 3
    assert all(len(d.attempts) == 6 for d in WebhookDelivery.objects.all())
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert AuditEvent.objects.filter(action="webhook.disabled", tenant=endpoint.tenant).count() == 1


def test_redelivery_by_hand(endpoint, receiver, project, people):
    receiver.answers = [500] * 6
    project_update(project=project, actor=people["lead"], name="Again")
    for _ in range(7):
        send_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    webhooks.redeliver(delivery=delivery, actor=people["admin"])
    send_due()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len({r["headers"]["X-Stagegate-Delivery"] for r in receiver.requests}) == 1


def test_event_type_filter(tenant, people, receiver, project):
    webhooks.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url, event_types=["approval.requested"])
    project_update(project=project, actor=people["lead"], name="Not sent")
    assert not WebhookDelivery.objects.exists()


def test_private_and_loopback_targets_are_refused_outside_development(tenant, people, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://localhost/x"):
        with pytest.raises(ValidationError) as error:
            webhooks.endpoint_save(tenant=tenant, actor=people["admin"], url=url)
        assert "url" in error.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_webhooks_over_the_api(api, people, tenant, receiver, project):
    admin = api(people["admin"])
    created = admin.post("/api/v1/webhooks/", {"tenant": "acme", "url": receiver.url}, format="json")
    assert created.status_code == 201, created.json()
    assert len(created.json()["secret"]) == 64
    assert api(people["viewer"]).get("/api/v1/webhooks/").json()["results"] == []
    project_update(project=project, actor=people["lead"], name="Via API")
    send_due()
    deliveries = admin.get(f"/api/v1/webhooks/{created.json()['id']}/deliveries/").json()["results"]
    assert deliveries[0]["status"] == "delivered"
    again = admin.post(f"/api/v1/webhook-deliveries/{deliveries[0]['id']}/redeliver/", {}, format="json")
    assert again.status_code == 200
    bad = admin.post("/api/v1/webhooks/", {"tenant": "acme", "url": receiver.url, "event_types": ["x"]}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"][0]["field"].startswith("event_types")


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_after_commit(celery_worker, receiver, tenant, people, project):
    endpoint = webhooks.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
    project_update(project=project, actor=people["lead"], name="Through the worker")
    deadline = time.monotonic() + 20
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(receiver.requests) == 1
    assert verify(endpoint.secret, receiver.requests[0]["headers"], receiver.requests[0]["body"])
    deadline = time.monotonic() + 10
    while WebhookDelivery.objects.get().status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_hanging_receiver_does_not_block_the_worker(celery_worker, receiver, tenant, people, project):
    from assessments.jobs import job_request
    from assessments.models import Job
    from assessments.tasks import run_assessment

    receiver.answers = ["hang", "hang", "hang"]
    webhooks.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
    project_update(project=project, actor=people["lead"], name="Hanging receiver")
    job = job_request(kind=Job.Kind.ASSESSMENT, task=run_assessment, project=project)
    deadline = time.monotonic() + 30
    while Job.objects.get(pk=job.pk).status != Job.Status.DONE and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Job.objects.get(pk=job.pk).status == Job.Status.DONE  # the worker moved on
    first = WebhookDelivery.objects.order_by("pk").first()
    while not WebhookDelivery.objects.get(pk=first.pk).attempts and time.monotonic() < deadline:
        time.sleep(0.1)
    delivery = WebhookDelivery.objects.get(pk=first.pk)
    assert delivery.status != "delivered"
    assert "timed out" in delivery.attempts[0]["error"].lower()
    assert delivery.next_attempt_at is not None  # to be tried again by the sweep
