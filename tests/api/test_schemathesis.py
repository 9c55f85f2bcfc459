"""The OpenAPI schema against the live server: schemathesis finds no 5xx and no response that breaks it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from accounts.models import Role
from accounts.services import token_issue
from projects.services.approvals import approval_request_create
from tests.factories import ProjectFactory, member

ROOT = Path(__file__).resolve().parents[2]


def test_the_schema_is_valid_openapi_3():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "bearerAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, tenant, people):
    lead = member(tenant, Role.DELIVERY_LEAD, username="fuzz-lead")
    for _ in range(3):
        project = ProjectFactory(tenant=tenant)
        approval_request_create(project=project, actor=lead)
    _, token = token_issue(user=people["admin"], name="fuzz", scopes=("read", "write", "approve"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{live_server.url}/api/schema/?format=json",
            "--url",
            live_server.url,
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "8",
            "--seed",
            "1",
            "--request-timeout",
            "20",
            "--exclude-path-regex",
            "^/api/v1/auth/tokens/$",
        ],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
