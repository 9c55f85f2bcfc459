"""Webhook delivery to a real HTTP receiver on this machine: signature, retries, log, redelivery."""

import datetime
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from projects.services.projects import project_update
from webhooks import delivery as webhook_delivery
from webhooks import services as webhook_services
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP server that records what it receives and answers as told (status or hang)."""

    def __init__(self):
        self.requests = []
        self.answers = []  # per request: an int status, or "hang"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"method": self.command, "headers": dict(self.headers), "body": body})
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "hang":
                    time.sleep(2)
                    answer = 200
                if isinstance(answer, tuple):  # (3xx, Location)
                    self.send_response(answer[0])
                    self.send_header("Location", answer[1])
                else:
                    self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_PUT = do_HEAD = do_POST  # a followed redirect may arrive as any method

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
    return webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url, event_types=[])


#: The fake DNS the ``fake_dns`` fixture installs: host name → addresses; every question asked is logged.
FAKE_DNS: dict[str, list[str]] = {}
DNS_QUESTIONS: list[str] = []


def fake_resolve(host, port):
    DNS_QUESTIONS.append(host)
    if host not in FAKE_DNS:
        raise socket.gaierror(f"{host} is not in the fake DNS")
    return FAKE_DNS[host]


@pytest.fixture
def fake_dns(settings):
    """Stand in for DNS through the module's resolver setting (the outside world, not the code, is faked)."""
    settings.WEBHOOK_RESOLVER = "tests.webhooks.test_webhooks.fake_resolve"
    FAKE_DNS.clear()
    DNS_QUESTIONS.clear()
    yield FAKE_DNS
    FAKE_DNS.clear()


def send_due():
    for delivery_id in webhook_delivery.due_deliveries():
        webhook_delivery.attempt(delivery_id)


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
    delays = webhook_delivery.retry_delays()
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
    webhook_services.redeliver(delivery=delivery, actor=people["admin"])
    send_due()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len({r["headers"]["X-Stagegate-Delivery"] for r in receiver.requests}) == 1


def test_event_type_filter(tenant, people, receiver, project):
    webhook_services.endpoint_save(
        tenant=tenant, actor=people["admin"], url=receiver.url, event_types=["approval.requested"]
    )
    project_update(project=project, actor=people["lead"], name="Not sent")
    assert not WebhookDelivery.objects.exists()


def test_private_and_loopback_targets_are_refused_outside_development(tenant, people, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://localhost/x"):
        with pytest.raises(ValidationError) as error:
            webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=url)
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
    endpoint = webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
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


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_hanging_receiver_does_not_block_the_worker(celery_worker, receiver, tenant, people, project):
    from assessments.jobs import job_request
    from assessments.models import Job
    from assessments.tasks import run_assessment

    assert not celery_worker.app.conf.task_always_eager  # a real worker, not the in-process emulation
    receiver.answers = ["hang", "hang", "hang"]
    webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
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


# --- Redirects and the address connected to -----------------------------------------------------


def test_a_redirect_is_not_followed_and_the_attempt_fails_with_its_location(endpoint, receiver, project, people):
    elsewhere = Receiver()
    try:
        receiver.answers = [(302, elsewhere.url)]
        project_update(project=project, actor=people["lead"], name="Redirected")
        send_due()
    finally:
        elsewhere.close()
    assert elsewhere.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"  # a failed attempt, to be retried
    [attempt] = delivery.attempts
    assert attempt["status_code"] == 302
    assert attempt["location"] == elsewhere.url
    assert "not followed" in attempt["error"]


def test_a_name_that_resolves_to_a_private_address_when_sending_is_refused(
    fake_dns, receiver, settings, tenant, people, project
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    url = f"http://hooks.customer.test:{receiver.server.server_address[1]}/hook"
    fake_dns["hooks.customer.test"] = ["93.184.216.34"]
    webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=url)  # public when saved

    for answer in (["127.0.0.1"], ["93.184.216.34", "10.0.0.7"]):  # then rebound, wholly or in part
        fake_dns["hooks.customer.test"] = answer
        WebhookDelivery.objects.all().delete()
        project_update(project=project, actor=people["lead"], name=f"Rebound {answer[-1]}")
        send_due()
        [attempt] = WebhookDelivery.objects.get().attempts
        assert attempt["status_code"] is None
        assert f"resolves to {answer[-1]}, a private or reserved address" in attempt["error"]
    assert receiver.requests == []


def test_the_request_goes_to_the_checked_address_under_the_urls_name(fake_dns, receiver, tenant, people, project):
    port = receiver.server.server_address[1]
    fake_dns["hooks.customer.test"] = ["127.0.0.1"]
    webhook_services.endpoint_save(
        tenant=tenant, actor=people["admin"], url=f"http://hooks.customer.test:{port}/hook?x=1"
    )
    project_update(project=project, actor=people["lead"], name="Pinned")
    DNS_QUESTIONS.clear()
    send_due()
    assert DNS_QUESTIONS == ["hooks.customer.test"]  # resolved once for the attempt, and that answer used
    [sent] = receiver.requests
    assert sent["headers"]["Host"] == f"hooks.customer.test:{port}"
    assert WebhookDelivery.objects.get().status == "delivered"


def test_https_names_the_urls_host_to_tls_at_the_checked_address(fake_dns, receiver, tenant, people, project):
    listener = socket.create_server(("127.0.0.1", 0))
    hello = []

    def accept():
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(2)
            hello.append(connection.recv(4096))  # the TLS ClientHello, with the server name in clear

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    fake_dns["hooks.customer.test"] = ["127.0.0.1"]
    url = f"https://hooks.customer.test:{listener.getsockname()[1]}/hook"
    webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=url)
    project_update(project=project, actor=people["lead"], name="TLS")
    send_due()
    thread.join(5)
    listener.close()
    assert hello
    assert b"hooks.customer.test" in hello[0]
    [attempt] = WebhookDelivery.objects.get().attempts
    assert attempt["status_code"] is None
    assert attempt["error"]


# --- Switched-off endpoints ---------------------------------------------------------------------


def test_a_delivery_queued_before_its_webhook_was_switched_off_is_not_sent(endpoint, receiver, project, people):
    project_update(project=project, actor=people["lead"], name="Queued")
    delivery = WebhookDelivery.objects.get()
    webhook_services.endpoint_save(tenant=endpoint.tenant, actor=people["admin"], endpoint=endpoint, is_active=False)

    webhook_delivery.attempt(delivery.pk)  # what the task queued on commit does

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == "skipped"
    assert delivery.next_attempt_at is None
    assert "switched off" in delivery.attempts[-1]["skipped"]
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    with pytest.raises(ValidationError, match="switched off"):
        webhook_services.redeliver(delivery=delivery, actor=people["admin"])


def test_a_retry_due_after_its_webhook_was_switched_off_is_not_sent(endpoint, receiver, project, people):
    receiver.answers = [500]
    project_update(project=project, actor=people["lead"], name="Retry later")
    send_due()
    assert len(receiver.requests) == 1
    webhook_services.endpoint_save(tenant=endpoint.tenant, actor=people["admin"], endpoint=endpoint, is_active=False)
    send_due()
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == "skipped"


# --- Signing secrets ----------------------------------------------------------------------------


def signatures_of(headers):
    return [item[3:] for item in headers["X-Stagegate-Signature-256"].split(",") if item.startswith("v1=")]


def test_a_rotated_secret_signs_beside_the_new_one_for_the_grace_period_only(endpoint, receiver, project, people):
    from tests.api.test_integration_guide import load_example

    example = load_example()
    old = endpoint.secret
    rotated_at = timezone.now()
    rotated = webhook_services.endpoint_secret_rotate(endpoint=endpoint, actor=people["admin"], now=rotated_at)
    new = rotated.secret
    assert new != old
    assert len(new) == 64
    assert rotated.previous_secret_expires_at == rotated_at + datetime.timedelta(hours=24)

    project_update(project=project, actor=people["lead"], name="During the grace period")
    during = WebhookDelivery.objects.get()
    webhook_delivery.attempt(during.pk, now=rotated_at + datetime.timedelta(hours=23, minutes=59))
    sent = receiver.requests[-1]
    assert len(signatures_of(sent["headers"])) == 2
    at = float(sent["headers"]["X-Stagegate-Timestamp"])
    for secret in (new, old):  # a receiver holding either accepts it
        assert example.verify(secret, sent["headers"], sent["body"], now=at)["type"] == "project.updated"
    assert verify(new, sent["headers"], sent["body"])  # the GitHub-style header: the current secret

    project_update(project=project, actor=people["lead"], name="After the grace period")
    after = WebhookDelivery.objects.exclude(pk=during.pk).get()
    webhook_delivery.attempt(after.pk, now=rotated_at + datetime.timedelta(hours=24, seconds=1))
    sent = receiver.requests[-1]
    at = float(sent["headers"]["X-Stagegate-Timestamp"])
    assert len(signatures_of(sent["headers"])) == 1
    example.verify(new, sent["headers"], sent["body"], now=at)
    with pytest.raises(ValueError, match="bad signature"):
        example.verify(old, sent["headers"], sent["body"], now=at)

    assert webhook_delivery.previous_secrets_forget(now=rotated_at + datetime.timedelta(hours=23)) == 0
    assert webhook_delivery.previous_secrets_forget(now=rotated_at + datetime.timedelta(hours=24, seconds=1)) == 1
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_expires_at) == (new, "", None)


def test_rotating_again_within_the_grace_period_keeps_only_the_latest_replaced_secret(endpoint, people):
    first = endpoint.secret
    second = webhook_services.endpoint_secret_rotate(endpoint=endpoint, actor=people["admin"]).secret
    third = webhook_services.endpoint_secret_rotate(endpoint=endpoint, actor=people["admin"])
    assert third.signing_secrets(now=timezone.now()) == [third.secret, second]
    assert first not in third.signing_secrets(now=timezone.now())
    assert AuditEvent.objects.filter(action="webhook.secret_rotated").count() == 2


def test_only_customer_admins_rotate_a_secret(endpoint, people):
    from django.core.exceptions import PermissionDenied

    for who in ("viewer", "lead", "outsider"):
        with pytest.raises(PermissionDenied):
            webhook_services.endpoint_secret_rotate(endpoint=endpoint, actor=people[who])
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == ""


def test_the_secret_is_in_the_answers_to_create_and_rotate_only(api, people, tenant, receiver, project):
    admin = api(people["admin"])
    created = admin.post("/api/v1/webhooks/", {"tenant": "acme", "url": receiver.url}, format="json")
    assert created.status_code == 201
    first = created.json()["secret"]
    assert len(first) == 64
    assert created.json()["previous_secret_valid_until"] is None
    hook = f"/api/v1/webhooks/{created.json()['id']}/"
    project_update(project=project, actor=people["lead"], name="Logged")
    send_due()

    def reads():
        return [
            admin.get("/api/v1/webhooks/"),
            admin.get(hook),
            admin.patch(hook, {"description": "Jira"}, format="json"),
            admin.get(f"{hook}deliveries/"),
            admin.get("/api/v1/webhook-deliveries/"),
            admin.get("/api/v1/audit-events/"),
        ]

    for response in reads():
        assert response.status_code == 200
        assert first not in response.content.decode()
        assert b'"secret"' not in response.content

    rotated = admin.post(f"{hook}rotate-secret/", {}, format="json")
    assert rotated.status_code == 200
    second = rotated.json()["secret"]
    assert len(second) == 64
    assert second != first
    valid_until = datetime.datetime.fromisoformat(rotated.json()["previous_secret_valid_until"])
    assert valid_until - timezone.now() == pytest.approx(
        datetime.timedelta(hours=24), abs=datetime.timedelta(minutes=1)
    )

    for response in reads():
        assert first not in response.content.decode()
        assert second not in response.content.decode()
        assert b'"secret"' not in response.content
    assert admin.get(hook).json()["previous_secret_valid_until"] is not None
    event = AuditEvent.objects.get(action="webhook.secret_rotated")
    assert event.actor_name == "cadmin"
    assert first not in json.dumps([event.before, event.after])
    assert second not in json.dumps([event.before, event.after])

    assert api(people["viewer"]).post(f"{hook}rotate-secret/", {}, format="json").status_code == 404
    assert api(people["admin"], scopes=("read",)).post(f"{hook}rotate-secret/", {}, format="json").status_code == 403
    assert WebhookEndpoint.objects.get().secret == second


# --- References -----------------------------------------------------------------------------------


def test_an_unknown_and_another_clients_reference_get_the_same_answer(api, people, tenant, receiver):
    from tenancy.models import Tenant

    globex = Tenant.objects.get(slug="globex")
    theirs = WebhookEndpoint.objects.create(tenant=globex, url="https://hooks.example.org/x", secret="s")
    unknown_id = theirs.pk + 1000
    admin = api(people["admin"])

    def same(first, second):
        assert (first.status_code, first.json()) == (second.status_code, second.json())
        return first

    answer = same(
        admin.post("/api/v1/webhooks/", {"tenant": "globex", "url": receiver.url}, format="json"),
        admin.post("/api/v1/webhooks/", {"tenant": "no-such-client", "url": receiver.url}, format="json"),
    )
    assert answer.status_code == 404
    answer = same(
        admin.get("/api/v1/webhook-deliveries/", {"endpoint": theirs.pk}),
        admin.get("/api/v1/webhook-deliveries/", {"endpoint": unknown_id}),
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"][0]["field"] == "endpoint"
    assert WebhookEndpoint.objects.filter(tenant=tenant).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_sent_while_its_webhook_is_being_saved(endpoint, receiver, project, people, tenant):
    """An attempt locks its delivery alone. It used to lock the endpoint's and the event's rows of
    its join too and, skipping locked rows, took a delivery whose webhook was being saved (or whose
    event's row was otherwise locked) for one being sent elsewhere: it was left to the sweep a
    minute later, as seen in tests/api/test_ticketing_tool_life.py."""
    project_update(project=project, actor=people["lead"], name="First change")
    first = WebhookDelivery.objects.get()
    saving, finish = threading.Event(), threading.Event()

    def save_the_webhook():
        try:
            with transaction.atomic():
                webhook_services.endpoint_save(
                    tenant=tenant, actor=people["admin"], endpoint=endpoint, description="Saved meanwhile"
                )
                saving.set()
                finish.wait(timeout=10)
        finally:
            connection.close()

    other = threading.Thread(target=save_the_webhook)
    other.start()
    try:
        assert saving.wait(timeout=10), "the webhook was not saved"
        sent = webhook_delivery.attempt(first.pk)
    finally:
        finish.set()
        other.join(timeout=10)
    assert sent is not None
    assert sent.status == "delivered"
    assert len(receiver.requests) == 1
    assert verify(endpoint.secret, receiver.requests[0]["headers"], receiver.requests[0]["body"])
