"""Idempotency keys after a failure and after their expiry (docs/integration.md, "Retries").

A key is held only while its request runs and after it succeeded or was refused: a request that
crashed (here: PostgreSQL gives up waiting for a lock the test holds) leaves its key free for the
retry, and keys older than ``IDEMPOTENCY_KEY_TTL_HOURS`` are forgotten and removed by beat.
"""

import datetime
import hashlib
import json
import threading

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

import api.tasks
from api.models import IdempotencyRecord
from projects.models import ApprovalRequest
from tenancy.services import token_issue


def _client(user):
    _, token = token_issue(user=user, name="retries", scopes=("read", "write", "approve"))
    client = APIClient(raise_request_exception=False)  # an unhandled exception answers 500, as in production
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _body(project, note="Go"):
    return json.dumps({"project": project.pk, "note": note})


def _request(client, project, key, note="Go"):
    return client.post(
        "/api/v1/approval-requests/", _body(project, note), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


@pytest.fixture
def project_row_locked_elsewhere(project):
    """Another session holds the project's row lock until ``release()``; this session waits at most
    200 ms for a lock, so a request that needs the row fails with PostgreSQL's lock timeout."""
    params = connection.get_connection_params()
    ready, done = threading.Event(), threading.Event()

    def hold():
        keys = {"dbname", "user", "password", "host", "port"}
        with psycopg.connect(**{k: v for k, v in params.items() if k in keys}) as other, other.transaction():
            other.execute("SELECT 1 FROM projects_project WHERE id = %s FOR UPDATE", [project.pk])
            ready.set()
            done.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert ready.wait(timeout=10)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")

    def release():
        done.set()
        holder.join(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    yield release
    release()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_retry_of_a_request_that_crashed_runs_and_is_then_replayed(people, project, project_row_locked_elsewhere):
    client = _client(people["lead"])
    crashed = _request(client, project, "crash-1")
    assert crashed.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="crash-1").exists()
    project_row_locked_elsewhere()
    retried = _request(client, project, "crash-1")
    assert retried.status_code == 201, retried.json()
    replayed = _request(client, project, "crash-1")
    assert replayed.json() == retried.json()
    assert replayed["Idempotent-Replayed"] == "true"
    assert ApprovalRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_claim_left_by_a_process_that_died_is_taken_over(people, project):
    """A web worker killed between claiming the key and answering leaves an unfinished claim; after
    ``IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS`` (longer than any request may run) the retry takes it over."""
    client = _client(people["lead"])
    path = "/api/v1/approval-requests/"
    digest = hashlib.sha256(f"POST{path}\n{_body(project)}".encode()).hexdigest()
    IdempotencyRecord.objects.create(user=people["lead"], key="died-1", method="POST", path=path, body_digest=digest)
    busy = _request(client, project, "died-1")
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "idempotency_in_progress"
    _age(key="died-1", seconds=settings.IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS + 1)
    retried = _request(client, project, "died-1")
    assert retried.status_code == 201, retried.json()
    assert _request(client, project, "died-1")["Idempotent-Replayed"] == "true"
    assert ApprovalRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_key_is_forgotten_after_its_expiry(people, project):
    client = _client(people["lead"])
    first = _request(client, project, "old-1")
    assert first.status_code == 201
    ApprovalRequest.objects.update(status=ApprovalRequest.Status.CANCELLED)
    assert _request(client, project, "old-1", note="Other").status_code == 422
    _age(key="old-1", seconds=settings.IDEMPOTENCY_KEY_TTL_HOURS * 3600 - 60)
    assert _request(client, project, "old-1", note="Other").status_code == 422  # not yet expired
    _age(key="old-1", seconds=settings.IDEMPOTENCY_KEY_TTL_HOURS * 3600 + 1)
    reused = _request(client, project, "old-1", note="Other")
    assert reused.status_code == 201, reused.json()
    assert "Idempotent-Replayed" not in reused
    assert ApprovalRequest.objects.count() == 2


@pytest.mark.django_db
def test_beat_removes_expired_keys(people, project):
    client = _client(people["lead"])
    assert _request(client, project, "keep").status_code == 201
    assert _request(client, project, "drop").status_code == 400  # refused answers are kept too
    _age(key="drop", seconds=settings.IDEMPOTENCY_KEY_TTL_HOURS * 3600 + 1)
    assert api.tasks.expire_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["keep"]
    schedule = settings.CELERY_BEAT_SCHEDULE.values()
    assert any(entry["task"] == "accounts.expire_idempotency_records" for entry in schedule)


def _age(*, key, seconds):
    IdempotencyRecord.objects.filter(key=key).update(created_at=timezone.now() - datetime.timedelta(seconds=seconds))


def _secret_kept_anywhere(secret):
    return any(secret in json.dumps(record.response_body) for record in IdempotencyRecord.objects.all())


@pytest.mark.django_db
def test_a_secret_shown_once_is_not_kept_for_a_retry(people, tenant, settings):
    """A new webhook's signing secret, a rotated one and a new token are in their first answer only:
    the replay store never holds them, and a retry with the same key is told the request succeeded."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    admin = _client(people["admin"])
    created = admin.post(
        "/api/v1/webhooks/",
        {"tenant": tenant.slug, "url": "http://127.0.0.1:9/hook"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="hook-1",
    )
    assert created.status_code == 201, created.json()
    hook = created.json()["id"]
    rotated = admin.post(f"/api/v1/webhooks/{hook}/rotate-secret/", HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert rotated.status_code == 200, rotated.json()
    issued = admin.post(
        "/api/v1/auth/tokens/",
        {"username": people["admin"].username, "password": "stagegate-demo", "name": "ci"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="token-1",
    )
    assert issued.status_code == 201, issued.json()
    for secret in (created.json()["secret"], rotated.json()["secret"], issued.json()["token"]):
        assert not _secret_kept_anywhere(secret)

    retry = admin.post(
        "/api/v1/webhooks/",
        {"tenant": tenant.slug, "url": "http://127.0.0.1:9/hook"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="hook-1",
    )
    assert retry.status_code == 409
    assert retry.json()["error"]["code"] == "secret_already_shown"
    assert "secret" not in retry.json()
    retry = admin.post(f"/api/v1/webhooks/{hook}/rotate-secret/", HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert retry.json()["error"]["code"] == "secret_already_shown"
    # The retries made nothing: one webhook, rotated once.
    assert admin.get("/api/v1/webhooks/").json()["results"][0]["id"] == hook
    assert len(admin.get("/api/v1/webhooks/").json()["results"]) == 1


@pytest.mark.django_db
def test_a_key_on_a_request_without_credentials_is_ignored(people):
    """The password form of the token endpoint has no caller to hold a key for: it answers as usual."""
    anonymous = APIClient(raise_request_exception=False)
    body = {"username": people["viewer"].username, "password": "stagegate-demo"}
    first = anonymous.post("/api/v1/auth/tokens/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    second = anonymous.post("/api/v1/auth/tokens/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["token"] != second.json()["token"]
    assert not IdempotencyRecord.objects.exists()
