"""The OpenAPI document as an integrator uses it (issue 16, part 5): a client generated from it with
openapi-python-client, every operation module of which imports, runs the integration guide's flow
against a live server — a token asked for with a password, a project created with its ticket and
found by the ticket's key, the list followed page by page with its cursor, a promotion requested
with an Idempotency-Key (and replayed), the client's approval relayed, and a PATCH whose stale
If-Match answers 412 in the typed error model.

The generator runs offline (no post-generation hooks, ``--fail-on-warning``) on the document
written to a temporary directory; the file takes about 20 seconds. How it was checked that it can
fail: describing the audit log's values as a recursive union (a draft of ``api.fields.JSON_OBJECT``)
makes the generator drop ``AuditEvent`` with a warning, which fails the generation here; no longer
declaring ``If-Match`` in ``api.schema`` takes the ``if_match`` argument away from the generated
PATCH, and the flow fails with a TypeError; a 412 the document did not list with the error shape
would be parsed as None, not as ``Error``.
"""

import importlib
import json
import pkgutil
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from drf_spectacular.generators import SchemaGenerator

from tenancy.models import Role
from tenancy.services import service_account_create, token_issue
from tests.api.test_integration_guide import guide_role_and_scopes
from tests.factories import ProjectFactory, member

PACKAGE = "stagegate_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The generated client's package, every module of it imported (a module that does not import
    fails here, naming it)."""
    root = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        document = SchemaGenerator().get_schema(request=None, public=True)
    (root / "openapi.json").write_text(json.dumps(document))
    (root / "config.yaml").write_text("post_hooks: []\n")  # no formatter run: offline and quick
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(root / "openapi.json"),
            "--config",
            str(root / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(PACKAGE)
        failed, operations = {}, 0
        for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
            try:
                importlib.import_module(module.name)
            except Exception as error:  # every failure is reported, by module
                failed[module.name] = repr(error)
            operations += module.name.startswith(f"{PACKAGE}.api.") and not module.ispkg
        assert failed == {}
        assert operations == sum(
            method in ("get", "post", "put", "patch", "delete")
            for item in document["paths"].values()
            for method in item
        )
        yield package
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def client_module(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_guides_flow_runs_through_a_generated_client(generated, live_server, meridian, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    api = client_module("api")
    models = client_module("models")
    tenant, admin = meridian
    lee = member(tenant, Role.DELIVERY_LEAD, username="lee")
    lee.set_password("correct horse battery staple")
    lee.save()

    # 1. Authenticate: a person asks for a token with a password; the tool has the service
    # account's token the customer admin issued it on the settings page (the same services).
    issued = importlib.import_module(f"{api.__name__}.auth.auth_tokens_create").sync_detailed(
        client=generated.Client(base_url=live_server.url),
        body=models.TokenRequestRequest(
            username="lee",
            password="correct horse battery staple",
            scopes=[models.ScopesEnum.READ, models.ScopesEnum.WRITE],
            days=30,
        ),
    )
    assert issued.status_code == 201, issued.content
    assert issued.parsed.token.startswith("sg_")
    assert issued.parsed.scopes == [models.ScopesEnum.READ, models.ScopesEnum.WRITE]
    person = generated.AuthenticatedClient(base_url=live_server.url, token=issued.parsed.token)
    role, scopes = guide_role_and_scopes("follows this guide end to end")
    account = service_account_create(tenant=tenant, username="jira-bridge", role=role, actor=admin)
    _, token = token_issue(user=account, actor=admin, name="Jira production", scopes=scopes)
    tool = generated.AuthenticatedClient(base_url=live_server.url, token=token)
    projects = importlib.import_module(f"{api.__name__}.projects.projects_create")
    listing = importlib.import_module(f"{api.__name__}.projects.projects_list")
    retrieve = importlib.import_module(f"{api.__name__}.projects.projects_retrieve")
    patch = importlib.import_module(f"{api.__name__}.projects.projects_partial_update")
    request_create = importlib.import_module(f"{api.__name__}.approval_requests.approval_requests_create")
    approve = importlib.import_module(f"{api.__name__}.approval_requests.approval_requests_approve_create")

    # 2. A project created with its ticket and requirements in one request (nested bodies), found by the key.
    created = projects.sync_detailed(
        client=tool,
        body=models.ProjectCreateRequest(
            tenant="meridian",
            name="Claims triage assistant",
            code="CLAIMS-7",
            tickets=[models.TicketWriteRequest(system=models.SystemEnum.JIRA, key="AI-42")],
            profile=models.PatchedProfileRequest(monthly_requests=120_000, regulations=[models.RegulationsEnum.GDPR]),
        ),
        idempotency_key="AI-42-create-1",
    )
    assert created.status_code == 201, created.content
    project = created.parsed
    assert [(ticket.system, ticket.key) for ticket in project.tickets] == [(models.SystemEnum.JIRA, "AI-42")]
    assert project.profile.regulations == [models.RegulationsEnum.GDPR]
    found = listing.sync(client=tool, ticket="ai-42")
    assert [row.id for row in found.results] == [project.id]

    # The list followed with its cursor: every project once.
    others = [ProjectFactory(tenant=tenant).pk for _ in range(4)]
    seen, cursor = [], generated.types.UNSET
    while True:
        page = listing.sync(client=person, page_size=2, cursor=cursor)
        seen += [row.id for row in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    assert sorted(seen) == sorted([project.id, *others])

    # 3. A promotion requested with an Idempotency-Key; the same retry replays the first answer.
    body = models.ApprovalRequestCreateRequest(project=project.id, note="Pilot signed off in AI-42")
    asked = request_create.sync_detailed(client=tool, body=body, idempotency_key="AI-42-promote-1")
    assert asked.status_code == 201, asked.content
    request = asked.parsed
    assert request.snapshot.profile.regulations == ["gdpr"]
    assert request.policy.eligible_roles == [
        models.EligibleRolesEnum.CUSTOMER_APPROVER,
        models.EligibleRolesEnum.CUSTOMER_ADMIN,
    ]
    again = request_create.sync_detailed(client=tool, body=body, idempotency_key="AI-42-promote-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.parsed.id == request.id

    # The client's approval, relayed by the tool.
    relayed = approve.sync_detailed(
        request.id,
        client=tool,
        body=models.DecideRequest(comment="Approved in AI-42", on_behalf_of="meridian-approver"),
        idempotency_key="AI-42-approve-1",
    )
    assert relayed.status_code == 200, relayed.content
    assert relayed.parsed.status == models.ApprovalStatusEnum.APPROVED
    assert [(d.approver, d.relayed_by) for d in relayed.parsed.decisions] == [("meridian-approver", "jira-bridge")]

    # A PATCH with If-Match: the current tag changes the project; the same tag again is stale, a
    # 412 parsed as the error model, and nothing changes.
    current = retrieve.sync_detailed(project.id, client=person)
    assert current.parsed.stage == models.StageEnum.PROOF_OF_CONCEPT
    renamed = patch.sync_detailed(
        project.id,
        client=person,
        body=models.PatchedProjectUpdateRequest(name="Claims triage"),
        if_match=current.headers["ETag"],
    )
    assert renamed.status_code == 200, renamed.content
    assert renamed.headers["ETag"] != current.headers["ETag"]
    stale = patch.sync_detailed(
        project.id,
        client=person,
        body=models.PatchedProjectUpdateRequest(name="Claims triage, again"),
        if_match=current.headers["ETag"],
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Error)
    assert stale.parsed.error.status == 412
    assert stale.parsed.error.message
    assert retrieve.sync(project.id, client=person).name == "Claims triage"
