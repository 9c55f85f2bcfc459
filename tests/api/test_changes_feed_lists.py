"""Every list is a changes feed: ``updated_since`` lists a row once when it is made, once more
when it changes (through the services that change it), and never again while it does not; and
the schema walk fails for any paginated list without ``updated_since``."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import ApiModelPrice, Job
from assessments.services.certifications import provider_certification_record
from notifications.models import Notification
from notifications.services import notification_read
from projects.models import FreezeWindow
from projects.services.policies import freeze_window_save
from projects.services.projects import ticket_link
from tenancy.models import Membership, Role
from tenancy.services import service_account_create, tenant_update, token_issue, token_revoke
from tests.api.test_changes_feed import EPOCH, poll
from tests.factories import ProjectFactory, TenantFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import endpoint_secret_rotate, redeliver

pytestmark = pytest.mark.django_db


def _window(tenant, people):
    window = FreezeWindow.objects.create(
        tenant=tenant, name="Year end", kind="one_off", starts_on=timezone.now(), ends_on=timezone.now()
    )
    return window, lambda: freeze_window_save(tenant=tenant, actor=people["admin"], window=window, name="Year end 2")


def _webhook(tenant, people):
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url="https://hooks.example.com/in", secret="s" * 32)
    return endpoint, lambda: endpoint_secret_rotate(endpoint=endpoint, actor=people["admin"])


def _delivery(tenant, people):
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url="https://hooks.example.com/in", secret="s" * 32)
    event = WebhookEvent.objects.create(tenant=tenant, event_type="project.created", body="{}")
    delivery = WebhookDelivery.objects.create(
        tenant=tenant, endpoint=endpoint, event=event, status=WebhookDelivery.Status.FAILED
    )
    return delivery, lambda: redeliver(delivery=delivery, actor=people["admin"])


def _notification(tenant, people):
    notification = Notification.objects.create(
        tenant=tenant,
        recipient=people["viewer"],
        kind="approval_requested",
        subject="s",
        sentence="s",
        link="/",
        dedupe_key="k",
    )
    return notification, lambda: notification_read(notification=notification, user=people["viewer"])


def _job(kind):
    def make(tenant, people):
        job = Job.objects.create(tenant=tenant, kind=kind)
        # How the runner ends a job (assessments.jobs._finish): a QuerySet.update.
        return job, lambda: Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, finished_at=timezone.now())

    return make


def _certification(tenant, people):
    def record(day):
        return provider_certification_record(
            actor=people["platform"],
            provider="aws",
            certification="iso_27001",
            region="eu-west-1",
            verified_on=day,
            source="https://aws.example.com/compliance",
        )[0]

    return record(datetime.date(2026, 1, 1)), lambda: record(datetime.date(2026, 2, 1))


def _price(tenant, people):
    price = ApiModelPrice.objects.create(
        provider="openai",
        model="gpt-feed",
        input_per_mtok=1,
        output_per_mtok=2,
        effective_from=timezone.now(),
        source="test",
    )
    return price, None  # never edited: a changed price is a new row


def _own_token(tenant, people):
    record, _ = token_issue(user=people["viewer"], name="ci", scopes=["read"])
    return record, lambda: token_revoke(token=record, actor=people["viewer"])


def _service_token(tenant, people):
    account = service_account_create(tenant=tenant, username="ci-bot", role=Role.CUSTOMER_VIEWER)
    record, _ = token_issue(user=account, name="ci", scopes=["read"])
    return record, lambda: token_revoke(token=record, actor=people["admin"])


def _ticket(tenant, people):
    project = ProjectFactory(tenant=tenant)
    return ticket_link(project=project, actor=people["lead"], system="jira", key="AI-77"), None  # made or removed


def _tenant(tenant, people):
    joined = TenantFactory(slug="initech")
    Membership.objects.create(tenant=joined, user=people["viewer"], role=Role.CUSTOMER_VIEWER)
    return joined, lambda: tenant_update(tenant=joined, actor=people["platform"], name="Initech Holdings")


FEEDS = {
    "/api/v1/freeze-windows/": ("admin", _window),
    "/api/v1/webhooks/": ("admin", _webhook),
    "/api/v1/webhook-deliveries/": ("admin", _delivery),
    "/api/v1/webhooks/{endpoint}/deliveries/": ("admin", _delivery),
    "/api/v1/notifications/": ("viewer", _notification),
    "/api/v1/jobs/": ("platform", _job(Job.Kind.NIGHTLY)),
    "/api/v1/price-imports/": ("platform", _job(Job.Kind.PRICE_IMPORT)),
    "/api/v1/certifications/": ("viewer", _certification),
    "/api/v1/prices/": ("viewer", _price),
    "/api/v1/auth/tokens/": ("viewer", _own_token),
    "/api/v1/tenants/{slug}/tokens/": ("admin", _service_token),
    "/api/v1/tenants/": ("viewer", _tenant),
    "/api/v1/tickets/": ("viewer", _ticket),
}


@pytest.mark.parametrize("path", FEEDS)
def test_a_row_is_listed_once_when_made_once_when_changed_and_not_again(api, tenant, people, path):
    role, make = FEEDS[path]
    client = api(people[role])
    _, start = (
        poll(client, path.format(endpoint=0, slug=tenant.slug), EPOCH) if "{endpoint}" not in path else (None, EPOCH)
    )
    row, change = make(tenant, people)
    path = path.format(endpoint=getattr(row, "endpoint_id", 0), slug=tenant.slug)

    seen, until = poll(client, path, start)
    assert [r["id"] for r in seen].count(row.pk) == 1
    if change is not None:
        change()
        seen, until = poll(client, path, until)
        assert [r["id"] for r in seen].count(row.pk) == 1, "a change was not listed, or listed twice"
    again, _ = poll(client, path, until)
    assert row.pk not in [r["id"] for r in again], "listed again without a change"


# Lists that answer every row at once (no pages, so no cursor to keep a window in): small, per
# parent, and each change in them is an audit event, which /api/v1/audit-events/ lists as a feed.
WHOLE_LISTS = {
    "/api/v1/projects/{id}/access/": "who holds rights on one project, computed from roles and grants",
    "/api/v1/projects/{id}/stage-history/": "one project's transitions, append-only; the project's feed lists its move",
    "/api/v1/projects/{project_pk}/evidence/": "one project's gate evidence; /api/v1/audit-events/ lists each change",
    "/api/v1/projects/{project_pk}/evidence-links/": "a handful per project, never edited; audit events list them",
    "/api/v1/projects/{project_pk}/tickets/": "a handful per project; /api/v1/tickets/ is their feed",
    "/api/v1/tenants/{slug}/members/": "the people of one client at once, as on the page; audit events list changes",
    "/api/v1/tenants/{slug}/service-accounts/": "a handful per client; audit events list their changes",
}


def test_every_paginated_list_in_the_schema_takes_updated_since(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    lists, without = set(), set()
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        body = (get or {}).get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
        shape = body.get("schema", {})
        if not (shape.get("$ref", "").startswith("#/components/schemas/Paginated") or shape.get("type") == "array"):
            continue
        lists.add(path)
        if "updated_since" not in {parameter["name"] for parameter in get.get("parameters", [])}:
            without.add(path)
    assert without - set(WHOLE_LISTS) == set(), "a list without updated_since (api.feeds.ChangesFilterSet)"
    assert set(WHOLE_LISTS) - without == set(), "an exception that is no longer a list, or offers a filter it ignores"
    assert {path.replace("{id}", "{endpoint}") for path in FEEDS} - {
        p.replace("{id}", "{endpoint}") for p in lists
    } == set()
