"""Another tenant's object is 404 on every URL the platform has, for every role.

Every URL pattern that takes an object in its path must be listed in ``OBJECT_URLS``; the
first test fails when a new one is added without being covered here.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tenancy.models import Role
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db

# URL name -> the path arguments that point at an object of the *other* tenant.
OBJECT_URLS = {
    "tenant-detail": lambda other: {"slug": other["tenant"].slug},
    "project-detail": lambda other: {"pk": other["project"].pk},
    "project-profile": lambda other: {"pk": other["project"].pk},
    "project-requirements-consequences": lambda other: {"pk": other["project"].pk},
    "project-evaluate": lambda other: {"pk": other["project"].pk},
    "project-promotion": lambda other: {"pk": other["project"].pk},
    "decide": lambda other: {"pk": other["request"].pk, "verdict": "approve"},
    "job-status": lambda other: {"pk": other["job"].pk},
    "project-stage-move": lambda other: {"pk": other["project"].pk, "move": "pause"},
    "project-edit": lambda other: {"pk": other["project"].pk},
    "project-evidence": lambda other: {"pk": other["project"].pk},
    "project-evidence-remove": lambda other: {"pk": other["project"].pk, "link_pk": other["evidence"].pk},
    "project-tickets": lambda other: {"pk": other["project"].pk},
    "project-access": lambda other: {"pk": other["project"].pk},
    "project-access-revoke": lambda other: {"pk": other["project"].pk},
    "project-ticket-remove": lambda other: {"pk": other["project"].pk, "ticket_pk": other["ticket"].pk},
    "project-deployment-model": lambda other: {"pk": other["project"].pk},
    "project-environment": lambda other: {"pk": other["project"].pk},
    "project-cost-plan": lambda other: {"pk": other["project"].pk},
    "project-sign-off": lambda other: {"pk": other["project"].pk, "kind": "access_pattern"},
    "project-routing": lambda other: {"pk": other["project"].pk},
    "project-routing-row": lambda other: {"pk": other["project"].pk, "index": 2},
    "gate-evidence-record": lambda other: {"pk": other["project"].pk, "item": "monitoring"},
    "gate-evidence-accept": lambda other: {"pk": other["project"].pk, "evidence_pk": other["gate_evidence"].pk},
    "gate-evidence-withdraw": lambda other: {"pk": other["project"].pk, "evidence_pk": other["gate_evidence"].pk},
    "freeze-override": lambda other: {"pk": other["request"].pk},
    # Tenant settings: the other tenant's slug, and its objects.
    "settings-tenant": lambda other: {"slug": other["tenant"].slug},
    "settings-members": lambda other: {"slug": other["tenant"].slug},
    "settings-member-change": lambda other: {"slug": other["tenant"].slug, "pk": other["membership"].pk},
    "settings-member-remove": lambda other: {"slug": other["tenant"].slug, "pk": other["membership"].pk},
    "settings-policies": lambda other: {"slug": other["tenant"].slug},
    "settings-policy-new": lambda other: {"slug": other["tenant"].slug},
    "settings-policy-edit": lambda other: {"slug": other["tenant"].slug, "pk": other["policy"].pk},
    "settings-policy-delete": lambda other: {"slug": other["tenant"].slug, "pk": other["policy"].pk},
    "settings-freezes": lambda other: {"slug": other["tenant"].slug},
    "settings-freeze-new": lambda other: {"slug": other["tenant"].slug},
    "settings-freeze-edit": lambda other: {"slug": other["tenant"].slug, "pk": other["window"].pk},
    "settings-freeze-delete": lambda other: {"slug": other["tenant"].slug, "pk": other["window"].pk},
    "settings-webhooks": lambda other: {"slug": other["tenant"].slug},
    "settings-webhook-new": lambda other: {"slug": other["tenant"].slug},
    "settings-webhook-edit": lambda other: {"slug": other["tenant"].slug, "pk": other["endpoint"].pk},
    "settings-webhook-delete": lambda other: {"slug": other["tenant"].slug, "pk": other["endpoint"].pk},
    "settings-webhook-rotate": lambda other: {"slug": other["tenant"].slug, "pk": other["endpoint"].pk},
    "settings-webhook-deliveries": lambda other: {"slug": other["tenant"].slug, "pk": other["endpoint"].pk},
    "settings-delivery-redeliver": lambda other: {"slug": other["tenant"].slug, "pk": other["delivery"].pk},
    "settings-service-accounts": lambda other: {"slug": other["tenant"].slug},
    "settings-token-new": lambda other: {"slug": other["tenant"].slug, "pk": other["account"].pk},
    "settings-token-revoke": lambda other: {"slug": other["tenant"].slug, "pk": other["token"].pk},
    "settings-cost-defaults": lambda other: {"slug": other["tenant"].slug},
}
#: Platform-admin pages with something in their path that is no tenant's: every tenant role gets 403.
PLATFORM_ONLY = {
    "catalog-price-history": {"provider": "openai", "model": "gpt-4o-mini"},
    "catalog-import-status": {"pk": 1},
    "catalog-certification-remove": {"pk": 1},
}
#: Views that only answer POST (a GET is a 405 for every id, so it reveals nothing either).
POST_ONLY = {
    "project-access-revoke",
    "project-evaluate",
    "project-promotion",
    "decide",
    "project-stage-move",
    "project-evidence-remove",
    "project-ticket-remove",
    "project-sign-off",
    "settings-delivery-redeliver",
    "gate-evidence-record",
    "gate-evidence-accept",
    "gate-evidence-withdraw",
    "freeze-override",
}
#: Views of one person's own objects: anyone else's, in this tenant or another, is a 404 like an
#: unknown id (tests/notifications/test_pages.py); checked below for another tenant's, for every role.
PERSONAL = {"notification-read"}
#: Views without an object in their path that only answer POST: no page to look at.
POST_ONLY_WITHOUT_OBJECT = {"logout", "notifications-read-all"}
# Namespaces whose URLs are not the product's own pages (operators' admin is staff-only).
OUT_OF_SCOPE_NAMESPACES = {"admin"}


def _named_patterns(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in OUT_OF_SCOPE_NAMESPACES or str(entry.pattern).startswith("api/"):
                continue  # the API has its own walk over the OpenAPI schema (tests/api)
            yield from _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and not str(entry.pattern).startswith("api/"):
            yield entry


def test_every_url_with_an_object_in_its_path_is_covered():
    with_arguments = {pattern.name for pattern in _named_patterns() if pattern.pattern.regex.groupindex}
    assert with_arguments == set(OBJECT_URLS) | set(PLATFORM_ONLY) | PERSONAL


@pytest.mark.parametrize("role", list(Role))
def test_platform_pages_refuse_every_tenant_role(client, role):
    client.force_login(member(TenantFactory(), role))
    for url_name, kwargs in PLATFORM_ONLY.items():
        assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 403, url_name


@pytest.fixture
def two_tenants(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # nothing is sent; the endpoint only has to be accepted
    from assessments.jobs import job_request
    from assessments.models import Job
    from assessments.services.gates import evidence_record
    from assessments.tasks import run_assessment
    from projects.services.approvals import approval_request_create
    from projects.services.policies import freeze_window_save, policy_save
    from projects.services.projects import evidence_add, ticket_link
    from tenancy.models import Membership
    from tenancy.services import service_account_create, token_issue
    from webhooks import services as webhooks
    from webhooks.models import WebhookDelivery

    result = {}
    for slug, name, project_name in (
        ("mine", "Mine", "Our project"),
        ("theirs", "Theirs Secret Client", "Their secret project"),
    ):
        tenant = TenantFactory(slug=slug, name=name)
        project = ProjectFactory(tenant=tenant, name=project_name)
        lead = member(tenant, Role.DELIVERY_LEAD, username=f"{slug}-lead")
        result[slug] = {
            "tenant": tenant,
            "project": project,
            "request": approval_request_create(project=ProjectFactory(tenant=tenant), actor=lead),
            "job": job_request(kind=Job.Kind.ASSESSMENT, task=run_assessment, project=project),
            "evidence": evidence_add(project=project, actor=lead, kind="press", title="Launch article"),
            "ticket": ticket_link(project=project, actor=lead, system="jira", key=f"{slug.upper()}-1"),
            "gate_evidence": evidence_record(project=project, actor=lead, item="data_classified", note="Agreed"),
        }
        admin = member(tenant, Role.CUSTOMER_ADMIN, username=f"{slug}-admin")
        endpoint = webhooks.endpoint_save(tenant=tenant, actor=admin, url="http://127.0.0.1:9/hook", event_types=[])
        webhooks.publish(tenant_id=tenant.pk, event_type="project.created", data={})
        account = service_account_create(tenant=tenant, username=f"{slug}-bot", role=Role.CUSTOMER_VIEWER, actor=admin)
        result[slug] |= {
            "membership": Membership.objects.get(tenant=tenant, user=lead),
            "policy": policy_save(tenant=tenant, actor=admin, target_stage="pilot", required_approvals=1),
            "window": freeze_window_save(
                tenant=tenant,
                actor=admin,
                name="Year-end",
                kind="one_off",
                starts_on=datetime.datetime(2030, 12, 20, tzinfo=datetime.UTC),
                ends_on=datetime.datetime(2031, 1, 5, tzinfo=datetime.UTC),
            ),
            "endpoint": endpoint,
            "delivery": WebhookDelivery.objects.get(endpoint=endpoint),
            "account": account,
            "token": token_issue(user=account, actor=admin, name="Bot")[0],
        }
    return result


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_another_tenants_object_is_404(client, two_tenants, role, url_name):
    client.force_login(member(two_tenants["mine"]["tenant"], role))
    other_url = reverse(url_name, kwargs=OBJECT_URLS[url_name](two_tenants["theirs"]))
    own_url = reverse(url_name, kwargs=OBJECT_URLS[url_name](two_tenants["mine"]))

    method = client.post if url_name in POST_ONLY else client.get
    assert method(other_url).status_code == 404
    assert method(own_url).status_code in {200, 302, 403}


@pytest.mark.parametrize("role", list(Role))
def test_pages_without_object_never_show_another_tenant(client, two_tenants, role):
    client.force_login(member(two_tenants["mine"]["tenant"], role))
    for pattern in _named_patterns():
        if pattern.pattern.regex.groupindex or pattern.name in POST_ONLY_WITHOUT_OBJECT:
            continue
        response = client.get(reverse(pattern.name), follow=True)
        assert response.status_code in {200, 403}, pattern.name
        body = response.content.decode()
        assert "Their secret project" not in body
        assert "Theirs Secret Client" not in body


@pytest.mark.parametrize("role", list(Role))
def test_another_tenants_notification_is_404(client, two_tenants, role):
    from notifications.models import Kind, Notification
    from notifications.services import notify

    theirs = two_tenants["theirs"]
    their_admin = member(theirs["tenant"], Role.CUSTOMER_ADMIN, username="theirs-reader")
    notify(
        recipients=[their_admin],
        kind=Kind.WEBHOOK_DISABLED,
        tenant_id=theirs["tenant"].pk,
        key="isolation",
        subject="Their secret",
        sentence="Their secret project",
        link="/",
    )
    notification = Notification.objects.get(recipient=their_admin)
    client.force_login(member(two_tenants["mine"]["tenant"], role))
    assert client.post(reverse("notification-read", args=[notification.pk])).status_code == 404
    assert "Their secret project" not in client.get(reverse("notifications")).content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None
