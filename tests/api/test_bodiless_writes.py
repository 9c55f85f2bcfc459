"""A write that takes no body refuses one that carries names, and changes nothing.

Cancelling a request, marking a notification read, accepting or withdrawing evidence, redelivering
a webhook delivery, rotating a webhook's secret, every DELETE...: their schema has no request body.
DRF never read one, so ``{"reason": "x"}`` sent to ``cancel`` was answered 200 and the client
believed its reason kept. Such a body is a 400 naming each of its names with the words of every
other name no endpoint takes (``api.serializers.UNKNOWN_FIELD``); a body that is not an object, or
not JSON, gets the answer any write gives it. No body, an empty one and ``{}`` are taken as before.
The operations come from the schema, so a new one is walked as soon as it exists.
"""

import datetime
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from api.models import IdempotencyRecord
from api.serializers import UNKNOWN_FIELD
from assessments.services.gates import evidence_record
from audit.models import AuditEvent
from notifications.models import Notification
from projects.models import ApprovalRequest, FreezeWindow, TicketReference
from projects.services.access import project_access_grant
from projects.services.approvals import approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from tenancy.models import Role
from tenancy.services import service_account_create, token_issue
from tests.factories import UserFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")
#: At least these operations take no body (the walk also finds any added later).
KNOWN = {
    ("post", "/api/v1/approval-requests/{id}/cancel/"),
    ("post", "/api/v1/notifications/{id}/read/"),
    ("post", "/api/v1/notifications/read-all/"),
    ("post", "/api/v1/projects/{project_pk}/evidence/{id}/accept/"),
    ("post", "/api/v1/projects/{project_pk}/evidence/{id}/withdraw/"),
    ("post", "/api/v1/webhook-deliveries/{id}/redeliver/"),
    ("post", "/api/v1/webhooks/{id}/rotate-secret/"),
    ("post", "/api/v1/projects/{project_pk}/assessments/"),
    ("post", "/api/v1/price-imports/"),
    ("delete", "/api/v1/webhooks/{id}/"),
    ("delete", "/api/v1/approval-policies/{id}/"),
    ("delete", "/api/v1/freeze-windows/{id}/"),
    ("delete", "/api/v1/projects/{project_pk}/tickets/{id}/"),
    ("delete", "/api/v1/tenants/{slug}/members/{username}/"),
}


def bodiless_writes():
    """(method, path) of every write whose schema has no request body."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        (method, path)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in WRITES and "requestBody" not in operation
    )


def stored() -> dict:
    """Every row the application keeps, by model, but the last use of the callers' API tokens
    (which each request records)."""
    state = {}
    for model in apps.get_models():
        rows = list(model._default_manager.order_by("pk").values())
        if model._meta.label == "accounts.ApiToken":
            rows = [{key: value for key, value in row.items() if key != "last_used_at"} for row in rows]
        state[model._meta.label] = rows
    return state


def client_of(user):
    _, token = token_issue(user=user, name="test", scopes=("read", "write", "approve"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def objects(tenant, people, project, settings):
    """One of each object a write without a body acts on, by the path parameter naming it."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    admin, lead = client_of(people["admin"]), client_of(people["lead"])
    approval = approval_request_create(project=project, actor=people["lead"])
    policy = policy_save(tenant=tenant, actor=people["admin"], target_stage="production", required_approvals=1)
    window = freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Year end",
        kind="weekly",
        start_weekday=0,
        end_weekday=1,
        start_time=datetime.time(9),
        end_time=datetime.time(17),
    )
    hook = admin.post("/api/v1/webhooks/", {"tenant": "acme", "url": "http://127.0.0.1:9/hook"}, format="json")
    assert hook.status_code == 201, hook.json()
    endpoint = WebhookEndpoint.objects.get(pk=hook.json()["id"])
    event = WebhookEvent.objects.create(tenant=tenant, event_type="project.created", body="{}")
    delivery = WebhookDelivery.objects.create(
        tenant=tenant, endpoint=endpoint, event=event, status=WebhookDelivery.Status.FAILED
    )
    ticket = lead.post(f"/api/v1/projects/{project.pk}/tickets/", {"system": "jira", "key": "AI-7"}, format="json")
    assert ticket.status_code == 201, ticket.json()
    link = lead.post(
        f"/api/v1/projects/{project.pk}/evidence-links/",
        {"kind": "contract", "title": "Signed", "url": "https://example.com/c"},
        format="json",
    )
    assert link.status_code == 201, link.json()
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    certification = client_of(people["platform"]).post(
        "/api/v1/certifications/",
        {
            "provider": "aws",
            "region": "eu-west-1",
            "certification": "iso_27001",
            "verified_on": "2026-01-05",
            "source": "https://aws.example.com/compliance",
        },
        format="json",
    )
    assert certification.status_code == 201, certification.json()
    project_access_grant(project=project, user=UserFactory(username="ana"), role=Role.ENGINEER, actor=people["admin"])
    Group.objects.create(name="Reviewers")
    project_access_grant(
        project=project, group=Group.objects.get(name="Reviewers"), role=Role.ENGINEER, actor=people["admin"]
    )
    token, _ = token_issue(user=people["admin"], name="spare")
    bot = service_account_create(tenant=tenant, username="acme-bot", role=Role.CUSTOMER_VIEWER)
    bot_token, _ = token_issue(user=bot, actor=people["admin"], name="bot")
    return {
        # The most specific prefix first: it fills the parameter its path ends with.
        "/api/v1/projects/{id}/access/users/{name}/": "ana",
        "/api/v1/projects/{id}/access/groups/{name}/": "Reviewers",
        "/api/v1/projects/{project_pk}/tickets/{id}/": ticket.json()["id"],
        "/api/v1/projects/{project_pk}/evidence-links/{id}/": link.json()["id"],
        "/api/v1/projects/{project_pk}/evidence/{id}/": evidence.pk,
        "/api/v1/projects/{id}/": project.pk,
        "/api/v1/projects/{project_pk}/": project.pk,
        "/api/v1/approval-requests/{id}/": approval.pk,
        "/api/v1/approval-policies/{id}/": policy.pk,
        "/api/v1/freeze-windows/{id}/": window.pk,
        "/api/v1/webhooks/{id}/": endpoint.pk,
        "/api/v1/webhook-deliveries/{id}/": delivery.pk,
        "/api/v1/notifications/{id}/": Notification.objects.filter(recipient=people["admin"]).first().pk,
        "/api/v1/certifications/{id}/": certification.json()["id"],
        "/api/v1/auth/tokens/{id}/": token.pk,
        "/api/v1/tenants/{slug}/members/{username}/": "viewer",
        "/api/v1/tenants/{slug}/tokens/{id}/": bot_token.pk,
        "/api/v1/tenants/{slug}/": "acme",
    }


def fill(path, objects):
    """``path`` with its parameters filled from ``objects`` (see the fixture); a parameter of an
    operation added since is filled with 1, which the refusal does not look at."""
    for prefix, value in objects.items():
        head, name = prefix.rsplit("{", 1)
        if path.startswith(head):
            path = path.replace("{" + name.rstrip("}/") + "}", str(value), 1)
    return re.sub(r"{\w+}", "1", path)


def refused_names(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 400, (response.request["PATH_INFO"], response.content[:500])
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (400, "invalid")
    return [(item["field"], item["code"], item["message"]) for item in error["fields"]]


def first_allowed(clients, method, url, *args, **kwargs):
    """The answer of the first client whose role and scopes pass the view's permission classes
    (the platform's price imports are a 403 to a client's admin, before any body is looked at)."""
    for client in clients:
        response = getattr(client, method)(url, *args, **kwargs)
        if response.status_code != 403:
            return response
    return response


# --- Every write without a body -------------------------------------------------------------


def test_the_schema_gives_these_writes_no_body_and_documents_the_refusal():
    """The refusal adds no request body to the document; it documents the answers to a body sent
    all the same: 400 (names, not an object), 413 (too large) and 415 (not JSON)."""
    found = set(bodiless_writes())
    assert found >= KNOWN, KNOWN - found
    assert {method for method, _ in found} == {"post", "delete"}
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for method, path in found:
        assert {"400", "413", "415"} <= set(paths[path][method]["responses"]), (method, path)


def test_every_write_without_a_body_refuses_one_with_a_name_by_name_and_changes_nothing(people, objects):
    clients = [client_of(people["admin"]), client_of(people["platform"])]
    operations = bodiless_writes()
    assert len(operations) >= 20
    before = stored()
    for method, path in operations:
        url = fill(path, objects)
        response = first_allowed(clients, method, url, {"not_a_field": 1}, format="json")
        assert refused_names(response) == [("not_a_field", "invalid", UNKNOWN_FIELD)], (method, path)
        assert response.json()["error"]["message"] == f"not_a_field: {UNKNOWN_FIELD}"
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "kind"),
    [("[1]", "an array"), ('"x"', "a string"), ("1", "a number"), ("null", "null"), ("true", "true or false")],
)
def test_every_write_without_a_body_refuses_json_that_is_not_an_object_as_every_write_does(people, objects, body, kind):
    clients = [client_of(people["admin"]), client_of(people["platform"])]
    before = stored()
    for method, path in bodiless_writes():
        url = fill(path, objects)
        response = first_allowed(clients, method, url, body, content_type="application/json")
        assert response.status_code == 400, (method, path, response.content[:300])
        error = response.json()["error"]
        assert (error["code"], error["message"]) == ("parse_error", f"The body must be a JSON object, not {kind}.")
    assert stored() == before
    # The words of a write that takes a body, sent the same.
    pause = client_of(people["lead"]).post(
        f"/api/v1/projects/{objects['/api/v1/projects/{id}/']}/pause/", body, content_type="application/json"
    )
    assert pause.json()["error"]["message"] == f"The body must be a JSON object, not {kind}."


# --- Cancel, read, delete: refused with a body, taken without ---------------------------------


def test_cancel_refuses_a_reason_and_changes_nothing_then_is_taken_with_an_empty_object(api, people, project):
    approval = approval_request_create(project=project, actor=people["lead"])
    lead = api(people["lead"])
    url = f"/api/v1/approval-requests/{approval.pk}/cancel/"
    before = stored()
    refused = lead.post(url, {"reason": "Budget moved", "bogus": 1}, format="json")
    assert refused_names(refused) == [("bogus", "invalid", UNKNOWN_FIELD), ("reason", "invalid", UNKNOWN_FIELD)]
    assert stored() == before
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalRequest.Status.PENDING
    taken = lead.post(url, {}, format="json")
    assert taken.status_code == 200, taken.json()
    assert taken.json()["status"] == ApprovalRequest.Status.CANCELLED


@pytest.mark.parametrize("body", [None, "", "{}", " { } "])
def test_cancel_without_a_body_or_with_an_empty_one_is_taken(api, people, project, body):
    approval = approval_request_create(project=project, actor=people["lead"])
    url = f"/api/v1/approval-requests/{approval.pk}/cancel/"
    lead = api(people["lead"])
    response = lead.post(url) if body is None else lead.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalRequest.Status.CANCELLED


def test_a_refused_body_claims_no_idempotency_key(api, people, project):
    """The refusal comes before the key is claimed: the same key with the corrected request is the
    first request, not a 422 for a different body."""
    approval = approval_request_create(project=project, actor=people["lead"])
    lead = api(people["lead"])
    url = f"/api/v1/approval-requests/{approval.pk}/cancel/"
    refused = lead.post(url, {"reason": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert refused_names(refused) == [("reason", "invalid", UNKNOWN_FIELD)]
    assert not IdempotencyRecord.objects.exists()
    taken = lead.post(url, HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert taken.status_code == 200, taken.json()
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalRequest.Status.CANCELLED


def test_a_form_body_sent_to_a_write_without_one_is_a_415_and_changes_nothing(api, people, project):
    approval = approval_request_create(project=project, actor=people["lead"])
    response = api(people["lead"]).post(
        f"/api/v1/approval-requests/{approval.pk}/cancel/",
        "reason=Budget+moved",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json()["error"]["status"] == 415
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalRequest.Status.PENDING


def test_credentials_are_checked_before_the_body(people, project):
    approval = approval_request_create(project=project, actor=people["lead"])
    url = f"/api/v1/approval-requests/{approval.pk}/cancel/"
    assert APIClient().post(url, {"reason": "x"}, format="json").status_code == 401
    _, token = token_issue(user=people["lead"], name="reader", scopes=("read",))
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert reader.post(url, {"reason": "x"}, format="json").status_code == 403
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalRequest.Status.PENDING


def test_marking_a_notification_read_refuses_a_body_with_names_and_takes_none(api, people, project):
    approval_request_create(project=project, actor=people["lead"])
    notice = Notification.objects.get(recipient=people["approver"])
    assert notice.read_at is None
    client = api(people["approver"])
    url = f"/api/v1/notifications/{notice.pk}/read/"
    refused = client.post(url, {"read": True}, format="json")
    assert refused_names(refused) == [("read", "invalid", UNKNOWN_FIELD)]
    assert Notification.objects.get(pk=notice.pk).read_at is None
    all_refused = client.post("/api/v1/notifications/read-all/", {"before": "2030-01-01"}, format="json")
    assert refused_names(all_refused) == [("before", "invalid", UNKNOWN_FIELD)]
    assert Notification.objects.get(pk=notice.pk).read_at is None
    taken = client.post(url)
    assert taken.status_code == 200, taken.json()
    assert taken.json()["unread"] is False
    assert client.post(url, {}, format="json").status_code == 200  # again: nothing changes


def test_a_delete_refuses_a_body_with_names_and_is_taken_with_an_empty_object_or_none(api, people, tenant, project):
    windows = [
        freeze_window_save(
            tenant=tenant,
            actor=people["admin"],
            name=name,
            kind="weekly",
            start_weekday=0,
            end_weekday=1,
            start_time=datetime.time(9),
            end_time=datetime.time(17),
        )
        for name in ("First", "Second")
    ]
    admin = api(people["admin"])
    events = AuditEvent.objects.count()
    refused = admin.delete(f"/api/v1/freeze-windows/{windows[0].pk}/", {"confirm": True}, format="json")
    assert refused_names(refused) == [("confirm", "invalid", UNKNOWN_FIELD)]
    assert FreezeWindow.objects.count() == 2
    assert AuditEvent.objects.count() == events
    assert admin.delete(f"/api/v1/freeze-windows/{windows[0].pk}/", {}, format="json").status_code == 204
    assert admin.delete(f"/api/v1/freeze-windows/{windows[1].pk}/").status_code == 204
    assert not FreezeWindow.objects.exists()
    lead = api(people["lead"])
    ticket = lead.post(f"/api/v1/projects/{project.pk}/tickets/", {"system": "jira", "key": "AI-9"}, format="json")
    url = f"/api/v1/projects/{project.pk}/tickets/{ticket.json()['id']}/"
    assert refused_names(lead.delete(url, {"key": "AI-9"}, format="json")) == [("key", "invalid", UNKNOWN_FIELD)]
    assert TicketReference.objects.filter(key="AI-9").exists()
    assert lead.delete(url).status_code == 204
    assert not TicketReference.objects.filter(key="AI-9").exists()


def test_a_write_that_takes_a_body_still_reads_it(api, people, project):
    """The rule is the operation's: ``pause`` takes a reason, which is read, not refused."""
    response = api(people["lead"]).post(f"/api/v1/projects/{project.pk}/pause/", {"reason": "Budget"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "paused"


def test_a_method_an_address_does_not_take_is_still_a_405_with_a_body_or_without(api, people, project):
    lead = api(people["lead"])
    for method, url in (("delete", f"/api/v1/projects/{project.pk}/"), ("post", f"/api/v1/projects/{project.pk}/")):
        for body in ({"not_a_field": 1}, None):
            response = getattr(lead, method)(url, body, format="json")
            assert response.status_code == 405, (method, url, body, response.content[:300])
