"""An unknown reference and another tenant's reference get byte-identical answers, everywhere.

Every place the API accepts a reference — an id, a slug or a username, in a query filter, a body
field or the path — is listed once below and asked twice: with a value that names nothing and
with one naming another tenant's object. Status and body must be the same. The same place asked
with the reader's own object answers differently (so the reference is really looked at).
"""

import datetime
import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import ApiToken
from assessments.catalog import prices_import
from assessments.jobs import job_request
from assessments.models import Assessment, CostEstimate, GateEvidence, Job
from assessments.services.assessments import assessments_run
from assessments.services.estimates import estimates_recalculate
from assessments.services.gates import evidence_record
from assessments.tasks import run_assessment
from audit.models import AuditEvent
from notifications.models import Notification
from projects.models import ApprovalPolicy, ApprovalRequest, EvidenceLink, FreezeWindow, Project, TicketReference
from projects.services.approvals import approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from projects.services.projects import evidence_add, ticket_link
from tenancy.models import Role
from tenancy.services import service_account_create, token_issue
from tests.factories import ProjectFactory, TenantFactory, member
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 987654321
WINDOW = {"name": "Close", "kind": "weekly", "start_weekday": 1, "start_time": "01:00", "end_weekday": 1}

#: (reader, method, path, body): "{ref}" is replaced by the reference; kinds are project / tenant / person.
REFERENCES = {
    # Query filters.
    "projects ?tenant": ("viewer", "get", "/api/v1/projects/?tenant={ref}", None, "tenant"),
    "approval-requests ?project": ("viewer", "get", "/api/v1/approval-requests/?project={ref}", None, "project"),
    "approval-requests ?tenant": ("viewer", "get", "/api/v1/approval-requests/?tenant={ref}", None, "tenant"),
    "jobs ?project": ("viewer", "get", "/api/v1/jobs/?project={ref}", None, "project"),
    "audit-events ?tenant": ("admin", "get", "/api/v1/audit-events/?tenant={ref}", None, "tenant"),
    "audit-events ?project": ("admin", "get", "/api/v1/audit-events/?project={ref}", None, "project"),
    "audit-events ?actor": ("admin", "get", "/api/v1/audit-events/?actor={ref}", None, "person"),
    "audit export ?tenant": ("admin", "get", "/api/v1/audit-events/export/?tenant={ref}", None, "tenant"),
    "webhook-deliveries ?endpoint": ("admin", "get", "/api/v1/webhook-deliveries/?endpoint={ref}", None, "endpoint"),
    # Body fields.
    "POST projects tenant": (
        "lead",
        "post",
        "/api/v1/projects/",
        {"tenant": "{ref}", "name": "N", "code": "N-1"},
        "tenant",
    ),
    "POST approval-requests project": ("lead", "post", "/api/v1/approval-requests/", {"project": "{ref}"}, "project"),
    "POST approval-policies tenant": (
        "admin",
        "post",
        "/api/v1/approval-policies/",
        {"tenant": "{ref}", "target_stage": "production", "required_approvals": 1},
        "tenant",
    ),
    "POST approval-policies eligible_users": (
        "admin",
        "post",
        "/api/v1/approval-policies/",
        {"tenant": "acme", "target_stage": "production", "eligible_users": ["{ref}"]},
        "person",
    ),
    "PATCH approval-policies eligible_users": (
        "admin",
        "patch",
        "/api/v1/approval-policies/{policy}/",
        {"eligible_users": ["{ref}"]},
        "person",
    ),
    "POST freeze-windows tenant": (
        "admin",
        "post",
        "/api/v1/freeze-windows/",
        {"tenant": "{ref}", **WINDOW, "end_time": "02:00"},
        "tenant",
    ),
    "POST webhooks tenant": (
        "admin",
        "post",
        "/api/v1/webhooks/",
        {"tenant": "{ref}", "url": "https://hooks.example.org/x"},
        "tenant",
    ),
    "PATCH projects delivery_lead": (
        "lead",
        "patch",
        "/api/v1/projects/{project}/",
        {"delivery_lead": "{ref}"},
        "lead",
    ),
    "relay on_behalf_of": (
        "relay",
        "post",
        "/api/v1/approval-requests/{request}/approve/",
        {"on_behalf_of": "{ref}"},
        "person",
    ),
    "relay sign-off on_behalf_of": (
        "relay",
        "post",
        "/api/v1/projects/{project}/environment/sign-off/",
        {"kind": "access_pattern", "on_behalf_of": "{ref}"},
        "person",
    ),
    "POST members person": (
        "admin",
        "post",
        "/api/v1/tenants/acme/members/",
        {"person": "{ref}", "role": "customer_viewer"},
        "person",
    ),
    "token username": (
        None,
        "post",
        "/api/v1/auth/tokens/",
        {"username": "{ref}", "password": "not-the-password"},
        "person",
    ),
}


@pytest.fixture
def world(tenant, people, project):
    """The reader's own objects, and another tenant's of each kind."""
    theirs = TenantFactory(slug="meridian", name="Meridian Bank")
    their_lead = member(theirs, Role.DELIVERY_LEAD, username="mer-lead")
    their_project = ProjectFactory(tenant=theirs, code="MER-KYC", delivery_lead=their_lead)
    their_admin = member(theirs, Role.CUSTOMER_ADMIN, username="mer-admin")
    approval_request_create(project=their_project, actor=their_lead)
    evidence_record(project=their_project, actor=their_lead, item="data_classified", note="Theirs")
    ticket_link(project=their_project, actor=their_lead, system="jira", key="MER-1")
    evidence_add(project=their_project, actor=their_lead, kind="press", title="Theirs")
    job_request(kind=Job.Kind.ASSESSMENT, task=run_assessment, project=their_project)
    job_request(kind=Job.Kind.ASSESSMENT, task=run_assessment, project=project)
    relay = service_account_create(tenant=tenant, username="acme-bot", role=Role.CUSTOMER_APPROVER)
    policy = policy_save(tenant=tenant, actor=people["admin"], target_stage="pilot", required_approvals=1)
    requested = ProjectFactory(tenant=tenant, code="ACME-2")
    request = approval_request_create(project=requested, actor=people["lead"])
    policy_save(tenant=theirs, actor=their_admin, required_approvals=1)
    freeze_window_save(tenant=theirs, actor=their_admin, **WINDOW, end_time=datetime.time(2))
    token_issue(user=their_lead, name="theirs")
    their_bot = service_account_create(tenant=theirs, username="mer-bot", role=Role.CUSTOMER_VIEWER)
    token_issue(user=their_bot, actor=their_admin, name="theirs")
    endpoint = WebhookEndpoint.objects.create(tenant=theirs, url="https://hooks.example.org/x", secret="s")
    event = WebhookEvent.objects.create(tenant=theirs, event_type="project.created", body="{}")
    WebhookDelivery.objects.create(tenant=theirs, endpoint=endpoint, event=event)
    own_endpoint = WebhookEndpoint.objects.create(tenant=tenant, url="https://hooks.example.org/y", secret="s")
    prices_import()
    estimates_recalculate([their_project.pk])
    assessments_run([their_project.pk])
    assert AuditEvent.objects.filter(tenant=theirs, actor_name="mer-lead").exists()
    return {
        "readers": {**people, "relay": relay},
        "paths": {"policy": policy.pk, "request": request.pk, "project": project.pk},
        "foreign": {
            "project": their_project.pk,
            "tenant": theirs.slug,
            "person": their_lead.username,
            "lead": their_lead.username,
            "endpoint": endpoint.pk,
        },
        "unknown": {
            "project": UNKNOWN_ID,
            "tenant": "no-such-client",
            "person": "no-such-person",
            "lead": "no-such-person",
            "endpoint": UNKNOWN_ID,
        },
        "own": {
            "project": requested.pk,
            "tenant": tenant.slug,
            "person": "cadmin",
            "lead": "lead2",
            "endpoint": own_endpoint.pk,
        },
    }


def ask(api, world, reader, method, path, body, value):
    client = APIClient() if reader is None else api(world["readers"][reader])
    path = path.format(ref=value, **world["paths"])
    if body is not None:
        body = {key: _filled(item, value) for key, item in body.items()}
    response = getattr(client, method)(path, body, format="json") if body is not None else client.get(path)
    return response.status_code, response.getvalue()


def _filled(item, value):
    if item == "{ref}":
        return value
    if isinstance(item, list):
        return [_filled(element, value) for element in item]
    return item


@pytest.mark.parametrize("place", list(REFERENCES))
def test_an_unknown_and_a_foreign_reference_get_the_same_answer(api, world, place):
    reader, method, path, body, kind = REFERENCES[place]
    unknown = ask(api, world, reader, method, path, body, world["unknown"][kind])
    foreign = ask(api, world, reader, method, path, body, world["foreign"][kind])
    if kind == "person":  # the answer may repeat the names sent (which of several is wrong); nothing else differs
        foreign = (foreign[0], foreign[1].replace(world["foreign"][kind].encode(), b"<name>"))
        unknown = (unknown[0], unknown[1].replace(world["unknown"][kind].encode(), b"<name>"))
    assert foreign == unknown, f"{place}: foreign {foreign} vs unknown {unknown}"
    assert unknown[0] < 500
    if place != "token username":  # a wrong password is a wrong password, whoever's
        own = ask(api, world, reader, method, path, body, world["own"][kind])
        assert own != unknown, f"{place}: the reference is not looked at"


# --- Path lookups ----------------------------------------------------------------------------


#: The global catalog (prices, provider certifications): not tenant-owned, the same for every caller;
#: and the platform's price imports, a 403 for every tenant role whatever the id (test_isolation.py).
GLOBAL = {"/api/v1/prices/{id}/", "/api/v1/certifications/{id}/", "/api/v1/price-imports/{id}/"}


def path_references():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        (path, method)
        for path, operations in paths.items()
        if re.search(r"{\w+}", path) and path not in GLOBAL
        for method in operations
        if method in {"get", "post", "patch", "put", "delete"}
    )


def test_every_path_reference_is_walked():
    assert len(path_references()) >= 25


@pytest.mark.parametrize("role", ["viewer", "lead", "admin"])
def test_an_unknown_and_a_foreign_object_in_the_path_get_the_same_answer(api, world, role):
    theirs = Project.objects.get(code="MER-KYC")
    client = api(world["readers"][role])
    for path, method in path_references():
        foreign_path = _path_with(path, theirs)
        unknown_path = re.sub(r"{slug}", "no-such-client", re.sub(r"{\w+}", str(UNKNOWN_ID), path))
        answers = []
        for url in (unknown_path, foreign_path):
            response = getattr(client, method)(url, {}, format="json")
            answers.append((response.status_code, response.getvalue()))
        assert answers[0] == answers[1], f"{method.upper()} {path}: unknown {answers[0]} vs foreign {answers[1]}"
        assert answers[0][0] == 404, f"{method.upper()} {path}"


def _path_with(path, project):
    """``path`` filled with the other tenant's objects (its project, its tenant, their first row)."""
    tenant = project.tenant
    rows = {
        "/api/v1/projects/{id}/": project,
        "/api/v1/approval-requests/{id}/": ApprovalRequest.objects.filter(tenant=tenant).first(),
        "/api/v1/approval-policies/{id}/": ApprovalPolicy.objects.filter(tenant=tenant).first(),
        "/api/v1/freeze-windows/{id}/": FreezeWindow.objects.filter(tenant=tenant).first(),
        "/api/v1/jobs/{id}/": Job.objects.filter(tenant=tenant).first(),
        "/api/v1/audit-events/{id}/": AuditEvent.objects.filter(tenant=tenant).first(),
        "/api/v1/auth/tokens/{id}/": ApiToken.objects.filter(user__memberships__tenant=tenant).first(),
        "/api/v1/webhooks/{id}/": WebhookEndpoint.objects.filter(tenant=tenant).first(),
        "/api/v1/webhook-deliveries/{id}/": WebhookDelivery.objects.filter(tenant=tenant).first(),
        "/api/v1/notifications/{id}/": Notification.objects.filter(tenant=tenant).first(),
        "/api/v1/projects/{project_pk}/assessments/{id}/": Assessment.objects.filter(project=project).first(),
        "/api/v1/projects/{project_pk}/cost-estimates/{id}/": CostEstimate.objects.filter(project=project).first(),
        "/api/v1/projects/{project_pk}/evidence/{id}/": GateEvidence.objects.filter(project=project).first(),
        "/api/v1/projects/{project_pk}/tickets/{id}/": TicketReference.objects.filter(project=project).first(),
        "/api/v1/projects/{project_pk}/evidence-links/{id}/": EvidenceLink.objects.filter(project=project).first(),
        "/api/v1/tenants/{slug}/tokens/{id}/": ApiToken.objects.filter(
            user__kind="service_account", user__memberships__tenant=tenant
        ).first(),
    }
    username = {
        "/api/v1/tenants/{slug}/members/": "mer-lead",
        "/api/v1/tenants/{slug}/service-accounts/": "mer-bot",
    }
    filled = path.replace("{slug}", tenant.slug).replace("{project_pk}", str(project.pk)).replace("{name}", "someone")
    for prefix, name in username.items():
        if path.startswith(prefix):
            filled = filled.replace("{username}", name)
    for prefix, row in rows.items():
        if path.startswith(prefix) and "{id}" in filled:
            assert row is not None, f"the other tenant needs a row for {prefix}"
            filled = filled.replace("{id}", str(row.pk), 1)
    assert "{" not in filled, f"map the parameters of {path}"
    return filled
