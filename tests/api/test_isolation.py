"""Every API route with an object in its path answers 404 for another tenant's object.

The routes come from the OpenAPI schema itself, so a new route cannot be forgotten: the first
test fails until its path parameters are mapped here.
"""

import datetime
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from assessments.jobs import job_request
from assessments.models import Job
from assessments.tasks import import_prices, run_assessment
from audit.models import AuditEvent
from notifications.models import Notification
from projects.services.approvals import approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from tenancy.models import Role
from tenancy.services import service_account_create, token_issue
from tests.factories import ProjectFactory, TenantFactory, member
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

#: Paths of the global catalog (prices, provider certifications): not tenant-owned, visible to
#: every signed-in caller.
GLOBAL = {"/api/v1/prices/{id}/", "/api/v1/certifications/{id}/"}
#: Paths of the platform's own work (price imports): no tenant's, a 403 for every tenant role
#: whatever the id (below), so they reveal nothing either.
PLATFORM_ONLY = {"/api/v1/price-imports/{id}/"}


def schema_paths():
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


@pytest.fixture
def theirs(people):
    other = TenantFactory(slug="theirs")
    lead = member(other, Role.DELIVERY_LEAD, username="their-lead")
    admin = member(other, Role.CUSTOMER_ADMIN, username="their-admin")
    project = ProjectFactory(tenant=other, code="THEIR-1")
    request = approval_request_create(project=project, actor=lead)
    job = job_request(kind=Job.Kind.ASSESSMENT, task=run_assessment, project=project)
    token, _ = token_issue(user=admin, name="theirs")
    bot = service_account_create(tenant=other, username="their-bot", role=Role.CUSTOMER_VIEWER, actor=admin)
    bot_token, _ = token_issue(user=bot, actor=admin, name="theirs")
    event = AuditEvent.objects.filter(tenant=other).first()
    endpoint = WebhookEndpoint.objects.create(tenant=other, url="https://hooks.example.org/x", secret="s")
    webhook_event = WebhookEvent.objects.create(tenant=other, event_type="project.created", body="{}")
    delivery = WebhookDelivery.objects.create(tenant=other, endpoint=endpoint, event=webhook_event)
    policy = policy_save(tenant=other, actor=admin, required_approvals=2)
    window = freeze_window_save(
        tenant=other,
        actor=admin,
        name="Theirs",
        kind="weekly",
        start_weekday=4,
        start_time=datetime.time(18),
        end_weekday=0,
        end_time=datetime.time(6),
    )
    return {
        # Before the project's own prefix, which fills the {id} these paths start with.
        "/api/v1/projects/{id}/access/users/{name}/": "their-lead",
        "/api/v1/projects/{id}/access/groups/{name}/": "Their reviewers",
        "/api/v1/approval-policies/{id}/": policy.pk,
        "/api/v1/freeze-windows/{id}/": window.pk,
        "/api/v1/webhooks/{id}/": endpoint.pk,
        "/api/v1/webhook-deliveries/{id}/": delivery.pk,
        "/api/v1/projects/{id}/": project.pk,
        "/api/v1/projects/{project_pk}/": project.pk,
        "/api/v1/approval-requests/{id}/": request.pk,
        # Before the tenant's own prefix, which fills the {slug} these paths start with.
        "/api/v1/tenants/{slug}/members/{username}/": "their-lead",
        "/api/v1/tenants/{slug}/service-accounts/{username}/": "their-bot",
        "/api/v1/tenants/{slug}/tokens/{id}/": bot_token.pk,
        "/api/v1/tenants/{slug}/": other.slug,
        "/api/v1/jobs/{id}/": job.pk,
        "/api/v1/auth/tokens/{id}/": token.pk,
        "/api/v1/audit-events/{id}/": event.pk,
        # Their admin's notice of the request: another person's notification, in another tenant.
        "/api/v1/notifications/{id}/": Notification.objects.get(recipient=admin).pk,
    }


def fill(path, objects):
    for prefix, value in objects.items():
        head = prefix.rsplit("{", 1)[0]
        if path.startswith(head):
            name = prefix.rsplit("{", 1)[1].rstrip("}/")
            path = path.replace("{" + name + "}", str(value), 1)
    return path


def test_every_object_route_is_mapped(theirs):
    for path in schema_paths():
        if "{" not in path or path in GLOBAL | PLATFORM_ONLY:
            continue
        filled = fill(path, theirs)
        leftover = re.findall(r"{(\w+)}", filled)
        assert leftover in ([], ["id"]) or leftover == [], f"map the parameters of {path}"


@pytest.mark.parametrize("role", list(Role))
def test_another_tenants_objects_are_404_on_every_route(api, people, theirs, role):
    client = api(member(people["lead"].memberships.first().tenant, role))
    checked = 0
    for path, operations in schema_paths().items():
        if "{" not in path or path in GLOBAL | PLATFORM_ONLY:
            continue
        url = fill(path, theirs)
        if "{id}" in url:  # a nested result id under their project: any id will do
            url = url.replace("{id}", "1")
        for method in operations:
            if method not in {"get", "post", "patch", "put", "delete"}:
                continue
            response = getattr(client, method)(url, {}, format="json")
            assert response.status_code == 404, f"{method.upper()} {url} → {response.status_code}"
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("role", list(Role))
def test_platform_routes_refuse_every_tenant_role_whatever_the_id(api, people, role):
    client = api(member(people["lead"].memberships.first().tenant, role))
    job = job_request(kind=Job.Kind.PRICE_IMPORT, task=import_prices)
    paths = schema_paths()
    for path in PLATFORM_ONLY:
        for value in (job.pk, 987654321):
            url = path.replace("{id}", str(value))
            for method in set(paths[path]) & {"get", "post", "patch", "put", "delete"}:
                response = getattr(client, method)(url, {}, format="json")
                assert response.status_code == 403, f"{method.upper()} {url} → {response.status_code}"
