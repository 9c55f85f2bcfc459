"""The OpenAPI schema against the live server: schemathesis finds no 5xx and no response that breaks it.

Every operation (the unauthenticated token endpoint too), every phase (the schema's examples, the
coverage of its boundaries, random fuzzing, and stateful sequences along the links schemathesis
infers from the schema and from Location headers), as a customer admin and as a delivery lead,
with DEBUG off. The budget (examples per operation, steps, a fixed seed) keeps the run to a few
minutes on two cores.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from assessments.services.gates import evidence_record
from projects.models import ApprovalRequest
from projects.services.approvals import approval_request_create
from tenancy.models import Role
from tenancy.services import token_issue
from tests.factories import ProjectFactory, member

ROOT = Path(__file__).resolve().parents[2]


def _config(*, project, approval, evidence, spare):
    """Existing objects for the path parameters (else most operations only ever see 404s), and a
    spare token for DELETE /auth/tokens/{id}/ so the run never revokes the token it runs with."""
    return f"""
[phases.stateful]
max-steps = 20

[[operations]]
include-path-regex = "^/api/v1/projects/[{{]project_pk[}}]/evidence/[{{]id[}}]/"
parameters = {{ "path.project_pk" = {project}, "path.id" = {evidence} }}

[[operations]]
include-path-regex = "^/api/v1/projects/[{{]id[}}]/"
parameters = {{ "path.id" = {project} }}

[[operations]]
include-path-regex = "^/api/v1/projects/[{{]project_pk[}}]/"
parameters = {{ "path.project_pk" = {project} }}

[[operations]]
include-path-regex = "^/api/v1/approval-requests/[{{]id[}}]/"
parameters = {{ "path.id" = {approval} }}

[[operations]]
include-path = "/api/v1/auth/tokens/{{id}}/"
parameters = {{ "path.id" = {spare} }}
"""


CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_the_schema_is_generated_without_a_warning(tmp_path):
    """A warning (an enum name collision, a field it cannot type) is a schema that says less than the
    server does; the production deployment check fails on it too, this says so sooner."""
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))


def test_the_schema_is_valid_openapi_3():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "bearerAuth" in schema["components"]["securitySchemes"]


@pytest.fixture
def generous_token_throttle(settings):
    """Schemathesis calls the token endpoint far more often than a person would: the brake on
    password guessing must not turn the run's answers into 429s at random."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token_issue": "100000/min", "per_token": "100000/min"},
    }


class _OneRequestPerConnection(WSGIServer):
    """Django's development server, answering each request with ``Connection: close`` (it does so
    when it is not threaded). Kept alive, a connection can carry the unread rest of a request the
    server refused on to the next request, which then reads the server's error page as its status
    line; schemathesis reports that as a network error of the innocent request. Production runs
    gunicorn, which discards such bytes; here one request per connection keeps the run about the API."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


class _ServerThread(LiveServerThread):
    server_class = _OneRequestPerConnection


@pytest.fixture
def api_server(transactional_db, settings):
    """The application on a local port, for a client in another process."""
    override = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    for connection in override.values():
        connection.inc_thread_sharing()
    thread = _ServerThread("localhost", StaticFilesHandler, connections_override=override)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        for connection in override.values():
            connection.dec_thread_sharing()


@pytest.mark.parametrize("role", [Role.CUSTOMER_ADMIN, Role.DELIVERY_LEAD])
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    api_server, tenant, people, settings, generous_token_throttle, role, tmp_path
):
    settings.DEBUG = False
    caller = member(tenant, role, username=f"fuzz-{role}")
    lead = people["lead"] if role != Role.DELIVERY_LEAD else caller
    for _ in range(3):
        project = ProjectFactory(tenant=tenant, delivery_lead=lead)
        approval_request_create(project=project, actor=lead)
    evidence = evidence_record(project=project, actor=lead, item="data_classified", note="Agreed in the workshop")
    _, token = token_issue(user=caller, name="fuzz", scopes=("read", "write", "approve"))
    spare, _ = token_issue(user=caller, name="spare")
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        _config(
            project=project.pk,
            approval=ApprovalRequest.objects.filter(project=project).get().pk,
            evidence=evidence.pk,
            spare=spare.pk,
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            f"{api_server}/api/schema/?format=json",
            "--url",
            api_server,
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            "8",
            "--seed",
            "1",
            "--request-timeout",
            "60",  # a timeout is reported as an error: generous, so a loaded machine is not a failure
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
