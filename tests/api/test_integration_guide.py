"""The integration guide, run as written: its flow with a service-account token (the same
endpoints, bodies and headers, parsed from its ``curl`` commands), and its webhook example against a
real delivery."""

import hashlib
import hmac
import importlib.util
import re
import shlex
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from projects.services.projects import project_update, ticket_link
from tenancy.models import Role
from tenancy.services import service_account_create, token_issue
from tests.factories import ProjectFactory, member
from tests.webhooks.test_webhooks import Receiver
from webhooks import delivery as webhook_delivery
from webhooks import services as webhook_services
from webhooks.models import WebhookDelivery

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE = DOCS / "integration.md"
pytestmark = pytest.mark.django_db


def load_example():
    spec = importlib.util.spec_from_file_location("verify_webhook", DOCS / "examples" / "verify_webhook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def guide_verify():
    """The ``verify`` the guide shows, run as written."""
    block = re.search(r"Verify before you trust a delivery.*?```python\n(.*?)```", GUIDE.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(block, "integration.md", "exec"), namespace)  # our own documentation, as a reader copies it
    return namespace["verify"]


@pytest.fixture
def delivered(settings, tenant, people, project):
    """A real delivery as the receiver got it, and the webhook's secret."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver()
    try:
        endpoint = webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
        project_update(project=project, actor=people["lead"], name="Guide")
        for delivery_id in webhook_delivery.due_deliveries():
            webhook_delivery.attempt(delivery_id)
    finally:
        receiver.close()
    assert WebhookDelivery.objects.get().status == "delivered"
    return endpoint.secret, receiver.requests[0]


def with_signature_fields(headers, **changes):
    """``headers`` with fields of X-Stagegate-Signature-256 (and the matching plain headers) changed,
    the signature itself kept: what an attacker replaying a captured delivery can do."""
    items = dict(item.split("=", 1) for item in headers["X-Stagegate-Signature-256"].split(",") if item[:3] != "v1=")
    signatures = [item for item in headers["X-Stagegate-Signature-256"].split(",") if item[:3] == "v1="]
    items.update(changes)
    changed = {**headers, "X-Stagegate-Signature-256": ",".join([f"t={items['t']}", f"d={items['d']}", *signatures])}
    changed["X-Stagegate-Timestamp"] = items["t"]
    changed["X-Stagegate-Delivery"] = items["d"]
    return changed


@pytest.mark.parametrize("source", ["example", "guide"])
def test_the_verification_accepts_a_real_delivery_and_refuses_forgeries_and_replays(delivered, source):
    verify = load_example().verify if source == "example" else guide_verify()
    secret, sent = delivered
    headers, body = sent["headers"], sent["body"]
    sent_at = int(headers["X-Stagegate-Timestamp"])
    assert headers["X-Stagegate-Signature-256"].startswith(f"t={sent_at},d={headers['X-Stagegate-Delivery']},v1=")

    assert verify(secret, headers, body, now=sent_at + 299)["type"] == "project.updated"
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, headers, body + b" ")
    with pytest.raises(ValueError, match="bad signature"):
        verify("another secret", headers, body, now=sent_at)
    # A replay an hour later is stale; giving it a fresh time breaks the signature.
    later = sent_at + 3600
    with pytest.raises(ValueError, match="stale"):
        verify(secret, headers, body, now=later)
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, with_signature_fields(headers, t=str(later)), body, now=later)
    # Under another delivery id (to pass a receiver's "seen ids" check) it breaks too.
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, with_signature_fields(headers, d="00000000-0000-4000-8000-000000000000"), body, now=sent_at)
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, {**headers, "X-Stagegate-Delivery": "00000000-0000-4000-8000-000000000000"}, body, now=sent_at)
    with pytest.raises(ValueError, match="malformed"):
        verify(secret, {k: v for k, v in headers.items() if k != "X-Stagegate-Signature-256"}, body, now=sent_at)


def test_the_github_style_body_signature_is_still_sent(delivered):
    secret, sent = delivered
    expected = "sha256=" + hmac.new(secret.encode(), sent["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, sent["headers"]["X-Stagegate-Signature"])


def test_the_guide_documents_both_signatures_and_the_tolerance():
    guide = GUIDE.read_text()
    assert "hmac.compare_digest" in guide
    assert re.search(r"X-Stagegate-Signature: sha256=<hex>", guide)
    assert "t=<timestamp>,d=<delivery id>,v1=<hex>" in guide
    assert "**5 minutes** (300 seconds)" in guide
    assert load_example().TOLERANCE_SECONDS == 300


# --- The guide's flow, run as written with a service-account token ---------------------------------

HOST = "https://stagegate.example.org"


def guide_commands() -> list[dict]:
    """Every ``curl`` of the guide, parsed as a shell would: method, path, headers and body."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), re.S):
        text = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("#"))
        words = shlex.split(text.replace("\\\n", " "))
        starts = [index for index, word in enumerate(words) if word == "curl"]
        if not starts:  # a block that runs something else (the example receiver)
            continue
        for start, end in zip(starts, [*starts[1:], len(words)], strict=True):
            command = {"method": "GET", "headers": {}, "body": None}
            args = iter(words[start + 1 : end])
            for word in args:
                if word == "-X":
                    command["method"] = next(args)
                elif word == "-H":
                    name, _, value = next(args).partition(":")
                    command["headers"][name.strip()] = value.strip()
                elif word == "-d":
                    command["body"] = next(args)
                    command["method"] = command["method"] if command["method"] != "GET" else "POST"
                elif word.startswith(HOST):
                    command["path"] = word[len(HOST) :]
            commands.append(command)
    return commands


def guide_command(method: str, path: str, query: str = "") -> dict:
    """The guide's one command of ``method`` on a path matching the regular expression ``path``,
    whose query contains ``query``."""
    found = [
        c
        for c in guide_commands()
        if c["method"] == method
        and re.fullmatch(path, c["path"].split("?")[0])
        and query in c["path"].partition("?")[2]
    ]
    assert len(found) == 1, (method, path, found)
    return found[0]


def run(client, command, token, **substitutions):
    """Send ``command`` as the guide writes it, with ``$TOKEN`` and the example ids replaced."""
    path, body = command["path"], command["body"]
    for old, new in substitutions.items():
        path = path.replace(old, new)
        body = body.replace(old, new) if body else body
    headers = {name: value.replace("$TOKEN", token) for name, value in command["headers"].items()}
    content_type = headers.pop("Content-Type", "application/json")
    return client.generic(command["method"], path, data=body or "", content_type=content_type, headers=headers)


def guide_role_and_scopes(purpose: str) -> tuple[Role, list[str]]:
    """The role and scopes the guide's table gives a service account for ``purpose``."""
    row = re.search(rf"^\| {re.escape(purpose)}[^|]*\| (.+?) \| (.+?) \|$", GUIDE.read_text(), re.M)
    role = Role(row.group(1).strip("* ").replace(" ", "_"))
    return role, re.findall(r"`(\w+)`", row.group(2))


def test_the_guides_flow_works_for_the_service_account_it_names(meridian):
    tenant, admin = meridian
    role, scopes = guide_role_and_scopes("follows this guide end to end")
    assert (role, scopes) == (Role.DELIVERY_LEAD, ["read", "write", "approve"])
    # What the customer admin does on the settings page (its views call these same services).
    account = service_account_create(tenant=tenant, username="jira-bridge", role=role, actor=admin)
    _, token = token_issue(user=account, actor=admin, name="Jira production", scopes=scopes)
    client = APIClient()

    created = run(client, guide_command("POST", "/api/v1/projects/"), token)
    assert created.status_code == 201, created.json()
    assert [(t["system"], t["key"]) for t in created.json()["tickets"]] == [("jira", "AI-42")]

    found = run(client, guide_command("GET", "/api/v1/projects/", "ticket="), token)
    assert found.status_code == 200, found.json()
    assert [project["id"] for project in found.json()["results"]] == [created.json()["id"]]
    project_id = str(found.json()["results"][0]["id"])

    asked = run(client, guide_command("POST", "/api/v1/approval-requests/"), token, **{": 12": f": {project_id}"})
    assert asked.status_code == 201, asked.json()
    request_id = str(asked.json()["id"])
    assert asked.json()["note"] == "Pilot signed off in AI-42"

    relayed = run(
        client, guide_command("POST", r"/api/v1/approval-requests/\d+/approve/"), token, **{"/31/": f"/{request_id}/"}
    )
    assert relayed.status_code == 200, relayed.json()
    assert [(d["approver"], d["relayed_by"], d["comment"]) for d in relayed.json()["decisions"]] == [
        ("meridian-approver", "jira-bridge", "Approved in AI-42")
    ]
    assert relayed.json()["status"] == "approved"
    assert (
        client.get(f"/api/v1/projects/{project_id}/", headers={"Authorization": f"Bearer {token}"}).json()["stage"]
        == "proof_of_concept"
    )
    # Retries are safe as the guide says: the same Idempotency-Key and body replay the first answer.
    again = run(
        client, guide_command("POST", r"/api/v1/approval-requests/\d+/approve/"), token, **{"/31/": f"/{request_id}/"}
    )
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    # Then the tool polls for changes as the guide shows (its example's moment moved before this test).
    feed = run(
        client,
        guide_command("GET", "/api/v1/projects/", "updated_since="),
        token,
        lotus="meridian",
        **{"2026-12-01T09:00:00Z": "2000-01-01T00:00:00Z"},
    )
    assert feed.status_code == 200, feed.json()
    assert [p["id"] for p in feed.json()["results"]] == [int(project_id)]
    assert feed.json()["results"][0]["stage"] == "proof_of_concept"
    assert feed.json()["changes_until"] >= feed.json()["results"][0]["updated_at"]


def test_a_customer_viewer_account_is_refused_the_promotion_as_the_guide_warns(meridian):
    """What the guide used to promise and no longer does: a viewer's ``write`` scope changes nothing."""
    tenant, admin = meridian
    project = ProjectFactory(tenant=tenant, code="CLAIMS-1")
    ticket_link(project=project, actor=None, system="jira", key="AI-42")
    account = service_account_create(tenant=tenant, username="jira-viewer", role=Role.CUSTOMER_VIEWER, actor=admin)
    _, token = token_issue(user=account, actor=admin, name="Jira", scopes=["read", "write", "approve"])
    client = APIClient()
    assert (
        run(client, guide_command("GET", "/api/v1/projects/", "ticket="), token).json()["results"][0]["id"]
        == project.pk
    )
    asked = run(client, guide_command("POST", "/api/v1/approval-requests/"), token, **{": 12": f": {project.pk}"})
    assert asked.status_code == 403
    assert "refused (403) anything that changes a project" in GUIDE.read_text()


def test_the_personal_token_request_works_as_written(meridian):
    tenant, _ = meridian
    lee = member(tenant, Role.DELIVERY_LEAD, username="lee")
    lee.set_password("correct horse battery staple")
    lee.save()
    command = guide_command("POST", "/api/v1/auth/tokens/")
    answer = run(APIClient(), command, "", **{'"…"': '"correct horse battery staple"'})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["token"].startswith("sg_")
    assert answer.json()["scopes"] == ["read", "write"]


def test_the_service_account_and_its_token_are_set_up_over_the_api_as_written(meridian):
    """The guide's set-up with a customer admin's token: the account the flow above uses, its token
    shown once (a retry is told so, not given a copy), and the token works."""
    _, admin = meridian
    _, admin_token = token_issue(user=admin, name="Admin", scopes=["read", "write"])
    client = APIClient()

    def as_admin(command):
        headers = {name: value.replace("$ADMIN_TOKEN", "$TOKEN") for name, value in command["headers"].items()}
        return run(client, {**command, "headers": headers}, admin_token)

    role, _ = guide_role_and_scopes("follows this guide end to end")
    created = as_admin(guide_command("POST", "/api/v1/tenants/meridian/service-accounts/"))
    assert created.status_code == 201, created.json()
    assert (created.json()["username"], created.json()["role"]) == ("jira-bridge", role)

    issuing = guide_command("POST", "/api/v1/tenants/meridian/service-accounts/jira-bridge/tokens/")
    issued = as_admin(issuing)
    assert issued.status_code == 201, issued.json()
    assert issued.json()["scopes"] == ["approve", "read", "write"]
    found = client.get("/api/v1/projects/", headers={"Authorization": f"Bearer {issued.json()['token']}"})
    assert found.status_code == 200
    retried = as_admin(issuing)
    assert retried.status_code == 409
    assert retried.json()["error"]["code"] == "secret_already_shown"
