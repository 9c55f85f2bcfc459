"""Redis unreachable: the web keeps serving reads, and asking for background work fails at once
with a clear error (the job recorded as failed) instead of hanging."""

import datetime
import socket
import time

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from assessments.models import Job
from assessments.tasks import fan_out
from config.celery_app import app
from notifications.delivery import unsent_emails
from notifications.models import Kind, Notification
from projects.models import ApprovalRequest
from projects.services.projects import profile_update
from tenancy.services import token_issue
from webhooks import delivery as webhook_delivery
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)  # enqueueing happens on commit


def _reset_broker_pools():
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_down(settings):
    """Point the cache and the broker at an address where nothing listens."""
    if not django_settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL): without it tasks run in process")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {
        "default": {
            **django_settings.CACHES["default"],
            "LOCATION": dead,
        }
    }
    saved = app.conf.broker_url
    app.conf.broker_url = dead
    _reset_broker_pools()
    yield
    app.conf.broker_url = saved
    _reset_broker_pools()


def test_reads_are_served_while_redis_is_down(client, tenant, people, project, redis_down):
    _, token = token_issue(user=people["viewer"], name="reads")
    response = client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["results"]] == ["ACME-1"]
    client.force_login(people["viewer"])
    assert client.get(reverse("project-detail", args=[project.pk])).status_code == 200
    assert client.get(reverse("home")).status_code == 200


def test_asking_for_work_fails_fast_with_a_clear_error(client, tenant, people, project, redis_down):
    _, token = token_issue(user=people["lead"], name="work", scopes=("read", "write"))
    started = time.monotonic()
    response = client.post(
        f"/api/v1/projects/{project.pk}/assessments/",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        content_type="application/json",
    )
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
    failed = Job.objects.get(project=project)
    assert failed.status == Job.Status.FAILED
    assert "Could not reach the task queue" in failed.error

    client.force_login(people["lead"])
    page = client.post(reverse("project-evaluate", args=[project.pk]), HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert "the task queue could not be reached, so nothing ran. Try again in a moment." in page.content.decode()


def test_an_edit_is_kept_when_its_re_evaluation_cannot_be_queued(people, project, redis_down, caplog):
    profile_update(project=project, actor=people["lead"], monthly_requests=12345)
    project.profile.refresh_from_db()
    assert project.profile.monthly_requests == 12345
    assert "Re-evaluation of project" in caplog.text


def test_with_redis_back_work_is_queued_again(client, people, project, celery_worker):
    client.force_login(people["lead"])
    client.post(reverse("project-evaluate", args=[project.pk]), HTTP_HX_REQUEST="true")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Job.objects.get(project=project).status != Job.Status.DONE:
        time.sleep(0.2)
    assert Job.objects.get(project=project).status == Job.Status.DONE


def test_a_write_whose_follow_up_work_cannot_be_queued_stands_and_says_so(
    client, tenant, people, project, redis_down, caplog
):
    """The queue is reached only after COMMIT: the write stands, the answer is a 2xx naming what waits,
    and the sweeps catch up (pending deliveries are due for the minute-by-minute beat task, the
    approvers' unsent emails for the notifications' sweep)."""
    WebhookEndpoint.objects.create(tenant=tenant, url="https://hooks.example.org/in", secret="s" * 64)
    _, token = token_issue(user=people["lead"], name="work", scopes=("read", "write"))
    response = client.post(
        "/api/v1/approval-requests/",
        {"project": project.pk, "note": "Go"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert response["Stagegate-Deferred"] == "webhook deliveries, notification emails"
    assert ApprovalRequest.objects.filter(project=project, status="pending").exists()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert webhook_delivery.due_deliveries() == [delivery.pk]
    assert "Queueing accounts.deliver_webhook (webhook deliveries) failed" in caplog.text
    waiting = set(Notification.objects.filter(kind=Kind.APPROVAL_WAITING).values_list("pk", flat=True))
    assert len(waiting) == 3  # the client's approvers and admin are told in the app at once
    assert set(unsent_emails(now=timezone.now() + datetime.timedelta(minutes=10))) == waiting
    assert "Queueing notifications.send_emails (notification emails) failed" in caplog.text

    edit = client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"profile": {"monthly_requests": 777}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert edit.status_code == 200, edit.content
    assert "re-evaluation" in edit["Stagegate-Deferred"].split(", ")


def test_an_answer_without_deferred_work_says_nothing(client, tenant, people, project):
    _, token = token_issue(user=people["lead"], name="work", scopes=("read", "write"))
    response = client.post(
        "/api/v1/approval-requests/",
        {"project": project.pk, "note": "Go"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
    assert "Stagegate-Deferred" not in response


def test_a_fan_out_whose_chunks_cannot_be_queued_still_ends(tenant, project, redis_down):
    """The broker goes away between the fan-out task starting and it queueing its chunks: the job
    ends failed, naming the chunks that were never queued, instead of running forever."""
    job = Job.objects.create(kind=Job.Kind.NIGHTLY)
    fan_out(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "chunk 0: not queued" in job.error
