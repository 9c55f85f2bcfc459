"""Bearer tokens: issued once, stored hashed, scoped, expiring, revocable, throttled."""

import datetime
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from audit.models import AuditEvent
from tenancy.models import Role
from tenancy.services import service_account_create, token_issue
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_token_endpoint_issues_a_token_once_and_stores_only_its_digest(tenant):
    member(tenant, Role.CUSTOMER_VIEWER, username="vera")
    response = APIClient().post(
        "/api/v1/auth/tokens/", {"username": "vera", "password": "stagegate-demo"}, format="json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    record = ApiToken.objects.get()
    assert token not in (record.digest, record.prefix)
    assert record.scopes == ["read"]
    assert AuditEvent.objects.get().action == "token.issued"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/projects/").status_code == 200
    record.refresh_from_db()
    assert record.last_used_at is not None


def test_wrong_password_is_401_in_the_error_shape(tenant):
    member(tenant, Role.CUSTOMER_VIEWER, username="vera")
    response = APIClient().post("/api/v1/auth/tokens/", {"username": "vera", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    assert not ApiToken.objects.exists()


def test_token_endpoint_is_throttled_per_address(tenant, settings):
    from django.core.cache import cache

    cache.clear()
    member(tenant, Role.CUSTOMER_VIEWER, username="vera")
    # The budget is counted in fixed one-minute windows (api.throttles): requests that straddle a
    # window's edge start a new count, so they are sent well inside one.
    left = 60 - time.time() % 60
    if left < 15:
        time.sleep(left + 0.1)
    codes = [
        APIClient().post("/api/v1/auth/tokens/", {"username": "vera", "password": "x"}, format="json").status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert 429 in codes[10:]
    cache.clear()


def test_a_token_over_its_budget_is_refused_until_the_window_ends(api, people, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "per_token": "3/day"}}
    client, other = api(people["viewer"]), api(people["viewer"])
    responses = [client.get("/api/v1/projects/") for _ in range(5)]
    assert [response.status_code for response in responses] == [200, 200, 200, 429, 429]
    assert 0 < int(responses[-1]["Retry-After"]) <= 24 * 3600
    assert "throttled" in responses[-1].json()["error"]["message"].lower()
    assert other.get("/api/v1/projects/").status_code == 200  # the budget is the token's own


@pytest.mark.parametrize(
    ("header", "message"),
    [("Bearer nonsense", "Malformed"), ("Bearer sg_abc_def", "Unknown")],
)
def test_bad_tokens_are_refused(header, message):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert message in response.json()["error"]["message"]


def test_expired_and_revoked_tokens_are_refused(people):
    record, token = token_issue(user=people["viewer"], name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/projects/").status_code == 200
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert "expired" in client.get("/api/v1/projects/").json()["error"]["message"]
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() + datetime.timedelta(days=1))
    own = APIClient()
    own.force_authenticate(people["viewer"])
    assert own.delete(f"/api/v1/auth/tokens/{record.pk}/").status_code == 204
    assert "revoked" in client.get("/api/v1/projects/").json()["error"]["message"]


def test_scopes_limit_what_a_token_may_do(api, people, project):
    reader = api(people["lead"], scopes=("read",))
    assert reader.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    response = reader.patch(f"/api/v1/projects/{project.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    writer = api(people["lead"], scopes=("read", "write"))
    approval = writer.post("/api/v1/approval-requests/", {"project": project.pk}, format="json")
    assert approval.status_code == 201
    no_approve = api(people["approver"], scopes=("read", "write"))
    url = f"/api/v1/approval-requests/{approval.json()['id']}/approve/"
    assert no_approve.post(url, {}, format="json").status_code == 403
    assert api(people["approver"], scopes=("approve",)).post(url, {}, format="json").status_code == 200


def test_service_account_tokens_are_issued_by_customer_admins(tenant, people):
    bot = service_account_create(tenant=tenant, username="jira-bot", role=Role.CUSTOMER_VIEWER)
    with pytest.raises(PermissionDenied, match="only be issued for a service account"):
        token_issue(user=people["viewer"], name="x", actor=people["admin"])
    with pytest.raises(PermissionDenied):
        token_issue(user=bot, name="x", actor=people["viewer"])
    record, _ = token_issue(user=bot, name="Jira", scopes=("read", "approve"), actor=people["admin"])
    assert record.user == bot
    assert AuditEvent.objects.filter(action="token.issued", tenant=tenant).count() == 1


def test_a_token_and_its_person_are_read_afresh_on_every_request(people, project):
    """The token's lookup is compiled once per connection (``core.compiled``), never its answer: a
    change to the token or its person decides the very next request, whoever made it and however."""
    record, token = token_issue(user=people["lead"], name="t", scopes=("read", "write"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    rename = {"name": "Renamed"}
    assert client.get("/api/v1/projects/").status_code == 200
    ApiToken.objects.filter(pk=record.pk).update(scopes=["read"])
    assert client.patch(f"/api/v1/projects/{project.pk}/", rename, format="json").status_code == 403
    ApiToken.objects.filter(pk=record.pk).update(scopes=["read", "write"])
    assert client.patch(f"/api/v1/projects/{project.pk}/", rename, format="json").status_code == 200
    type(people["lead"]).objects.filter(pk=people["lead"].pk).update(is_active=False)
    assert "disabled" in client.get("/api/v1/projects/").json()["error"]["message"]
    type(people["lead"]).objects.filter(pk=people["lead"].pk).update(is_active=True)
    assert client.get("/api/v1/projects/").status_code == 200
    ApiToken.objects.filter(pk=record.pk).delete()
    assert "Unknown" in client.get("/api/v1/projects/").json()["error"]["message"]
