"""Structured logs: one JSON line per request with its request id, task logs with their task id, no secrets."""

import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import shared_task

from config.logging import JsonFormatter
from tenancy.services import token_issue

ROOT = Path(__file__).resolve().parents[1]
probe_log = logging.getLogger("stagegate.tests.probe")


@shared_task(name="tests.logging_probe")
def logging_probe(word):
    probe_log.warning("probe says %s", word)
    return word


@pytest.fixture
def json_lines():
    """The configured console handler (with its context filter) writing JSON into a buffer."""
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    buffer = io.StringIO()
    old_stream = console.setStream(buffer)
    old_formatter = console.formatter
    console.setFormatter(JsonFormatter())

    def read(logger=None):
        entries = [json.loads(line) for line in buffer.getvalue().splitlines()]
        return [entry for entry in entries if logger is None or entry["logger"] == logger]

    read.text = buffer.getvalue
    yield read
    console.setStream(old_stream)
    console.setFormatter(old_formatter)


@pytest.mark.django_db
def test_a_request_leaves_one_json_line_with_the_request_id_it_answered_with(client, people, project, json_lines):
    client.force_login(people["lead"])
    response = client.get(f"/projects/{project.pk}/", HTTP_X_REQUEST_ID="req-abc-123")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-abc-123"

    [line] = json_lines("stagegate.request")
    assert line["request_id"] == "req-abc-123"
    assert (line["method"], line["path"], line["status"]) == ("GET", response.request["PATH_INFO"], 200)
    assert line["user_id"] == people["lead"].pk
    assert line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_every_request_gets_its_own_generated_id_and_refusals_are_logged_as_warnings(client, people, json_lines):
    client.force_login(people["viewer"])
    first = client.get("/catalog/")
    second = client.get("/does-not-exist/")
    assert (first.status_code, second.status_code) == (403, 404)

    lines = json_lines("stagegate.request")
    assert [line["status"] for line in lines] == [403, 404]
    assert [line["request_id"] for line in lines] == [first["X-Request-ID"], second["X-Request-ID"]]
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert {line["level"] for line in lines} == {"WARNING"}
    # Django's own note about the refusal is written after the middleware, and still carries the id.
    django_lines = json_lines("django.request")
    assert [line["request_id"] for line in django_lines] == [first["X-Request-ID"], second["X-Request-ID"]]


@pytest.mark.django_db
def test_an_anonymous_request_has_no_user_and_the_user_is_not_loaded_for_the_log(
    client, json_lines, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200
    [line] = json_lines("stagegate.request")
    assert line["user_id"] is None
    assert line["path"] == "/health/live"


@pytest.mark.django_db
def test_records_logged_while_serving_a_request_carry_its_id(client, people, json_lines):
    # A failed sign-in is audited and logged by the product while the request runs.
    client.post("/accounts/login/", {"username": "lead", "password": "wrong-password-1"}, HTTP_X_REQUEST_ID="sign-in-1")
    lines = json_lines()
    assert len(lines) >= 1
    assert {line["request_id"] for line in lines} == {"sign-in-1"}


@pytest.mark.django_db
def test_no_secret_reaches_the_log(client, people, json_lines):
    _, token = token_issue(user=people["lead"], name="ci")
    client.get("/api/v1/projects/?token=query-secret-value", HTTP_AUTHORIZATION=f"Bearer {token}")
    client.post("/accounts/login/", {"username": "lead", "password": "a-very-secret-passw0rd"})
    client.post("/accounts/login/", {"username": "lead", "password": "stagegate-demo"})

    text = json_lines.text()
    assert len(json_lines("stagegate.request")) == 3
    for secret in (token, "query-secret-value", "a-very-secret-passw0rd", "stagegate-demo"):
        assert secret not in text
    api_line = json_lines("stagegate.request")[0]
    assert api_line["path"] == "/api/v1/projects/"
    assert api_line["user_id"] == people["lead"].pk  # the token's user, found by the API's own authentication


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_task_log_carries_its_task_id_on_a_real_worker(celery_worker, json_lines):
    result = logging_probe.delay("hello")
    assert result.get(timeout=30) == "hello"

    deadline = time.monotonic() + 5
    while not json_lines("stagegate.tests.probe") and time.monotonic() < deadline:
        time.sleep(0.05)
    [line] = json_lines("stagegate.tests.probe")
    assert line["message"] == "probe says hello"
    assert line["task_id"] == result.id


def test_outside_a_request_or_task_the_ids_are_empty(json_lines):
    probe_log.warning("on its own")
    [line] = json_lines("stagegate.tests.probe")
    assert (line["request_id"], line["task_id"]) == ("", "")


def test_an_exception_is_kept_in_its_json_line(json_lines):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        probe_log.exception("it failed")
    [line] = json_lines("stagegate.tests.probe")
    assert line["message"] == "it failed"
    assert "RuntimeError: boom" in line["exception"]


SCRIPT = """
import logging, django
django.setup()
from config.celery_app import app
app.log.setup()  # what a Celery worker and beat do before their first record
logging.getLogger("stagegate.probe").warning("started %s", 1)
"""


def _run(**env):
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_log_format_json_writes_json_lines_through_celery_setup_too():
    result = _run(LOG_FORMAT="json")
    [line] = [json.loads(text) for text in result.stderr.splitlines() if "stagegate.probe" in text]
    assert (line["logger"], line["level"], line["message"]) == ("stagegate.probe", "WARNING", "started 1")


def test_the_plain_format_stays_the_default():
    env = {key: value for key, value in os.environ.items() if key != "LOG_FORMAT"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [line] = [text for text in result.stderr.splitlines() if "stagegate.probe" in text]
    assert line.endswith("WARNING stagegate.probe started 1")
    assert not line.startswith("{")
