"""A client's members and roles, service accounts and their tokens over the API (issue 16, part 1):
/api/v1/tenants/{slug}/members/, …/service-accounts/, …/tokens/. The same rules as the settings
pages, through the same services: customer admins and platform admins only (403 for a member who
may not manage, 404 for a client the caller cannot see), another client's member, account, token or
person answering exactly like an unknown one."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from audit.models import AuditEvent
from projects.services.access import project_access_grant
from tenancy.models import Membership, Role
from tenancy.services import service_account_create, token_issue
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db

BASE = "/api/v1/tenants/acme"


def fields(response) -> dict[str, str]:
    return {item["field"]: item["code"] for item in response.json()["error"]["fields"]}


def memberships():
    return sorted(Membership.objects.values_list("tenant__slug", "user__username", "role", "all_projects"))


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def bot(tenant, people):
    return service_account_create(tenant=tenant, username="acme-bot", role=Role.CUSTOMER_VIEWER, actor=people["admin"])


@pytest.fixture
def theirs(people):
    """Another client's service account and its token (the fixture's outsider is their approver)."""
    globex = people["outsider"].memberships.get().tenant
    their_admin = member(globex, Role.CUSTOMER_ADMIN, username="globex-admin")
    account = service_account_create(tenant=globex, username="globex-bot", role=Role.CUSTOMER_VIEWER)
    token, _ = token_issue(user=account, actor=their_admin, name="Theirs")
    return {"account": account, "token": token}


# --- Members -----------------------------------------------------------------------------------


def test_a_customer_admin_lists_the_members_with_role_reach_and_single_project_grants(api, tenant, people, bot):
    Membership.objects.filter(user=people["approver2"]).update(all_projects=False)
    granted = ProjectFactory(tenant=tenant, code="ACME-7", name="Claims triage")
    project_access_grant(project=granted, user=people["approver2"], role=Role.CUSTOMER_APPROVER)

    response = api(people["admin"], scopes=("read",)).get(f"{BASE}/members/")

    assert response.status_code == 200, response.json()
    entries = {entry["username"]: entry for entry in response.json()}
    assert sorted(entries) == sorted(
        ["lead", "lead2", "engineer", "cadmin", "approver", "approver2", "viewer", "acme-bot"]
    )
    assert entries["approver2"] == {
        "username": "approver2",
        "display_name": str(people["approver2"]),
        "kind": "person",
        "role": "customer_approver",
        "all_projects": False,
        "created_at": entries["approver2"]["created_at"],
        "project_grants": [
            {"project": granted.pk, "code": "ACME-7", "name": "Claims triage", "actions": ["view", "approve"]}
        ],
    }
    assert (entries["acme-bot"]["kind"], entries["viewer"]["project_grants"]) == ("service_account", [])


def test_add_a_person_by_email_through_the_service_audited(api, tenant, people):
    newcomer = UserFactory(username="nadia", email="Nadia.Chan@acme.example")

    response = api(people["admin"]).post(
        f"{BASE}/members/",
        {"person": "nadia.chan@ACME.example", "role": "customer_approver", "all_projects": False},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["username"], response.json()["role"], response.json()["all_projects"]) == (
        "nadia",
        "customer_approver",
        False,
    )
    membership = Membership.objects.get(tenant=tenant, user=newcomer)
    assert (membership.role, membership.all_projects) == ("customer_approver", False)
    event = AuditEvent.objects.get(action="access.role_granted", object_id=str(membership.pk))
    assert (event.actor, event.source, event.after["user"]) == (people["admin"], "api", "nadia")


def test_all_projects_is_on_unless_said_otherwise_as_on_the_page(api, tenant, people):
    UserFactory(username="nadia")
    response = api(people["admin"]).post(f"{BASE}/members/", {"person": "nadia", "role": "engineer"}, format="json")
    assert response.status_code == 201, response.json()
    assert Membership.objects.get(user__username="nadia").all_projects is True


def test_adding_someone_already_a_member_is_refused_on_person(api, people):
    before = memberships()
    response = api(people["admin"]).post(
        f"{BASE}/members/", {"person": "viewer", "role": "customer_admin"}, format="json"
    )
    assert response.status_code == 400
    assert fields(response) == {"person": "already_member"}
    assert "viewer is already a customer viewer here" in response.json()["error"]["message"]
    assert memberships() == before


def test_another_clients_person_is_answered_like_a_name_nobody_has(api, people, theirs):
    """By username or e-mail, a person or service account of another client only is not found:
    the same status and body as for an unknown name, and nothing changes."""
    people["outsider"].email = "outsider@globex.example"
    people["outsider"].save()
    client = api(people["admin"])
    before = memberships()
    answers = {
        person: client.post(f"{BASE}/members/", {"person": person, "role": "customer_viewer"}, format="json")
        for person in ("no-such-person", "outsider", "OUTSIDER@globex.example", "globex-bot", "globex-admin")
    }
    assert {(response.status_code, response.content) for response in answers.values()} == {
        (answers["no-such-person"].status_code, answers["no-such-person"].content)
    }
    assert answers["outsider"].status_code == 400
    assert fields(answers["outsider"]) == {"person": "not_found"}
    assert memberships() == before


def test_a_platform_admin_who_sees_every_client_may_add_another_clients_person(api, tenant, people):
    response = api(people["platform"]).post(
        f"{BASE}/members/", {"person": "outsider", "role": "customer_viewer"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Membership.objects.filter(tenant=tenant, user=people["outsider"]).exists()


def test_one_member_with_its_etag_then_change_role_and_reach(api, tenant, people):
    client = api(people["admin"])
    read = client.get(f"{BASE}/members/viewer/")
    assert read.status_code == 200
    assert read.json()["role"] == "customer_viewer"

    stale = client.patch(f"{BASE}/members/viewer/", {"role": "engineer"}, format="json", HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    response = client.patch(
        f"{BASE}/members/viewer/",
        {"role": "customer_approver", "all_projects": False},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["role"], response.json()["all_projects"]) == ("customer_approver", False)
    assert response["ETag"] == client.get(f"{BASE}/members/viewer/")["ETag"] != read["ETag"]
    membership = Membership.objects.get(tenant=tenant, user=people["viewer"])
    assert (membership.role, membership.all_projects) == ("customer_approver", False)
    event = AuditEvent.objects.get(action="access.role_granted", object_id=str(membership.pk))
    assert (event.before, event.actor) == ({"role": "customer_viewer", "all_projects": True}, people["admin"])


def test_a_field_left_out_of_a_change_keeps_its_value(api, tenant, people):
    Membership.objects.filter(user=people["viewer"]).update(all_projects=False)
    response = api(people["admin"]).patch(f"{BASE}/members/viewer/", {"role": "engineer"}, format="json")
    assert response.status_code == 200, response.json()
    assert Membership.objects.get(user=people["viewer"]).all_projects is False


def test_remove_a_member_audited(api, tenant, people):
    response = api(people["admin"]).delete(f"{BASE}/members/viewer/")
    assert response.status_code == 204
    assert not Membership.objects.filter(tenant=tenant, user=people["viewer"]).exists()
    event = AuditEvent.objects.get(action="access.role_revoked")
    assert (event.actor, event.source, event.before["user"]) == (people["admin"], "api", "viewer")
    assert api(people["admin"]).get(f"{BASE}/members/viewer/").status_code == 404


def test_the_last_customer_admin_can_be_neither_demoted_nor_removed(api, tenant, people):
    client = api(people["platform"])
    before = memberships()
    for response in (
        client.patch(f"{BASE}/members/cadmin/", {"role": "customer_approver"}, format="json"),
        client.delete(f"{BASE}/members/cadmin/"),
        api(people["admin"]).delete(f"{BASE}/members/cadmin/"),
    ):
        assert response.status_code == 400
        assert fields(response) == {"user": "last_customer_admin"}
        assert "cadmin is the last customer admin of this client" in response.json()["error"]["message"]
    assert memberships() == before
    assert not AuditEvent.objects.filter(action__startswith="access.role").exists()
    # With a second admin, the first may step down.
    member(tenant, Role.CUSTOMER_ADMIN, username="second-admin")
    assert client.patch(f"{BASE}/members/cadmin/", {"role": "customer_viewer"}, format="json").status_code == 200


def test_a_customer_admin_service_account_does_not_count_as_the_last_admin(api, tenant, people):
    service_account_create(tenant=tenant, username="admin-bot", role=Role.CUSTOMER_ADMIN)
    response = api(people["platform"]).delete(f"{BASE}/members/cadmin/")
    assert response.status_code == 400
    assert fields(response) == {"user": "last_customer_admin"}


# --- Service accounts and tokens -------------------------------------------------------------


def test_create_a_service_account_and_list_it(api, tenant, people):
    client = api(people["admin"])
    response = client.post(
        f"{BASE}/service-accounts/", {"username": "jira-bridge", "role": "customer_approver"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "username": "jira-bridge",
        "role": "customer_approver",
        "created_at": response.json()["created_at"],
        "tokens": [],
    }
    account = User.objects.get(username="jira-bridge")
    assert account.is_service_account
    assert not account.has_usable_password()
    assert Membership.objects.get(user=account).tenant == tenant
    assert AuditEvent.objects.filter(action="access.role_granted", actor=people["admin"], source="api").exists()
    listed = client.get(f"{BASE}/service-accounts/")
    assert [entry["username"] for entry in listed.json()] == ["jira-bridge"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "jira bridge", "role": "customer_viewer"}, "username"),
        ({"username": "cadmin", "role": "customer_viewer"}, "username"),
        ({"username": "", "role": "customer_viewer"}, "username"),
        ({"username": "x" * 151, "role": "customer_viewer"}, "username"),
        ({"username": "jira-bridge", "role": "overlord"}, "role"),
        ({"username": "jira-bridge"}, "role"),
    ],
)
def test_a_bad_service_account_names_the_field_and_creates_nothing(api, people, body, field):
    response = api(people["admin"]).post(f"{BASE}/service-accounts/", body, format="json")
    assert response.status_code == 400
    assert set(fields(response)) == {field}
    assert not User.objects.filter(kind=User.Kind.SERVICE_ACCOUNT).exists()


def test_a_token_is_shown_once_works_is_listed_without_its_secret_and_stops_when_revoked(api, people, bot, project):
    client = api(people["admin"])
    body = {"name": "Jira production", "scopes": ["read", "write"], "days": 30}

    issued = client.post(f"{BASE}/service-accounts/acme-bot/tokens/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert issued.status_code == 201, issued.json()
    secret = issued.json()["token"]
    assert secret.startswith("sg_")
    assert sorted(issued.json()["scopes"]) == ["read", "write"]
    record = ApiToken.objects.get(pk=issued.json()["id"])
    assert (record.user, record.name, record.created_by) == (bot, "Jira production", people["admin"])
    assert secret not in str(ApiToken.objects.values_list().get(pk=record.pk))
    event = AuditEvent.objects.get(action="token.issued", object_id=str(record.pk))
    assert (event.actor, event.source, event.tenant) == (people["admin"], "api", project.tenant)
    # A retry of the same request does not show the secret again.
    retried = client.post(f"{BASE}/service-accounts/acme-bot/tokens/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert retried.status_code == 409
    assert retried.json()["error"]["code"] == "secret_already_shown"
    assert secret not in retried.content.decode()

    # The token works, with the service account's role.
    assert [entry["code"] for entry in bearer(secret).get("/api/v1/projects/").json()["results"]] == ["ACME-1"]

    listed = client.get(f"{BASE}/tokens/")
    assert listed.status_code == 200
    assert [(entry["id"], entry["service_account"]) for entry in listed.json()["results"]] == [(record.pk, "acme-bot")]
    accounts = client.get(f"{BASE}/service-accounts/")
    assert [token["id"] for token in accounts.json()[0]["tokens"]] == [record.pk]
    for response in (listed, accounts, client.get(f"{BASE}/tokens/{record.pk}/")):
        assert secret not in response.content.decode()
        assert secret.split("_")[-1] not in response.content.decode()

    revoked = client.delete(f"{BASE}/tokens/{record.pk}/")
    assert revoked.status_code == 204
    assert bearer(secret).get("/api/v1/projects/").status_code == 401
    record.refresh_from_db()
    assert record.revoked_at is not None
    assert AuditEvent.objects.get(action="token.revoked").actor == people["admin"]
    assert client.get(f"{BASE}/tokens/").json()["results"][0]["revoked_at"] is not None


def test_the_client_tokens_are_its_service_accounts_only(api, people, bot, theirs):
    """A person's own token (the admin's, used for these requests) and another client's service
    account's are not the client's tokens."""
    client = api(people["admin"])
    token_issue(user=bot, actor=people["admin"], name="Ours")
    listed = client.get(f"{BASE}/tokens/").json()["results"]
    assert [entry["service_account"] for entry in listed] == ["acme-bot"]
    own = ApiToken.objects.get(user=people["admin"])
    for pk in (own.pk, theirs["token"].pk):
        assert client.delete(f"{BASE}/tokens/{pk}/").status_code == 404
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scopes": ["read"]}, "name"),
        ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": "J", "scopes": ["root"]}, "scopes"),
        ({"name": "J", "scopes": []}, "scopes"),
        ({"name": "J", "scopes": "read"}, "scopes"),
        ({"name": "J", "days": 0}, "days"),
        ({"name": "J", "days": 367}, "days"),
        ({"name": "J", "days": "soon"}, "days"),
    ],
)
def test_a_bad_token_request_names_the_field_and_issues_nothing(api, people, bot, body, field):
    response = api(people["admin"]).post(f"{BASE}/service-accounts/acme-bot/tokens/", body, format="json")
    assert response.status_code == 400
    assert {name.split(".")[0] for name in fields(response)} == {field}
    assert not ApiToken.objects.filter(user=bot).exists()


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "members/", {"person": "", "role": "customer_viewer"}, "person"),
        ("post", "members/", {"role": "customer_viewer"}, "person"),
        ("post", "members/", {"person": "p" * 255, "role": "customer_viewer"}, "person"),
        ("post", "members/", {"person": "viewer", "role": "overlord"}, "role"),
        ("post", "members/", {"person": "viewer", "role": "customer_viewer", "all_projects": "maybe"}, "all_projects"),
        ("patch", "members/viewer/", {"role": "overlord"}, "role"),
        ("patch", "members/viewer/", {"all_projects": []}, "all_projects"),
    ],
)
def test_a_bad_member_body_names_the_field_and_changes_nothing(api, people, method, path, body, field):
    before = memberships()
    response = getattr(api(people["admin"]), method)(f"{BASE}/{path}", body, format="json")
    assert response.status_code == 400
    assert set(fields(response)) == {field}
    assert memberships() == before


def test_a_token_for_someone_who_is_not_the_clients_service_account_is_404(api, people, bot, theirs):
    """A person of the client, another client's service account and a name nobody has: the same 404."""
    client = api(people["admin"])
    answers = {
        client.post(f"{BASE}/service-accounts/{name}/tokens/", {"name": "J"}, format="json").content
        for name in ("viewer", "globex-bot", "no-such-account")
    }
    assert len(answers) == 1
    assert b'"status":404' in answers.pop()
    assert not ApiToken.objects.filter(name="J").exists()


# --- Who may: 403 and 404 ------------------------------------------------------------------------


def routes(token_pk):
    return [
        ("get", f"{BASE}/members/", None),
        ("post", f"{BASE}/members/", {"person": "", "role": "overlord"}),
        ("get", f"{BASE}/members/viewer/", None),
        ("patch", f"{BASE}/members/viewer/", {"role": "overlord"}),
        ("delete", f"{BASE}/members/viewer/", None),
        ("get", f"{BASE}/service-accounts/", None),
        ("post", f"{BASE}/service-accounts/", {"username": "a b"}),
        ("post", f"{BASE}/service-accounts/acme-bot/tokens/", {"scopes": ["root"]}),
        ("get", f"{BASE}/tokens/", None),
        ("get", f"{BASE}/tokens/{token_pk}/", None),
        ("delete", f"{BASE}/tokens/{token_pk}/", None),
    ]


@pytest.mark.parametrize("role", ["lead", "engineer", "approver", "viewer"])
def test_a_member_who_may_not_manage_the_client_gets_403_before_anything_is_read(api, people, bot, role):
    token, _ = token_issue(user=bot, actor=people["admin"], name="Bot")
    before = memberships()
    client = api(people[role])
    for method, path, body in routes(token.pk):
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code == 403, (method, path, response.status_code)
        assert response.json()["error"]["fields"] == []
    assert memberships() == before
    assert list(ApiToken.objects.filter(user=bot).values_list("pk", "revoked_at")) == [(token.pk, None)]


def test_someone_who_cannot_see_the_client_gets_the_404_of_a_client_that_does_not_exist(api, people, bot):
    token, _ = token_issue(user=bot, actor=people["admin"], name="Bot")
    stranger = member(TenantFactory(slug="initech"), Role.CUSTOMER_ADMIN, username="initech-admin")
    client = api(stranger)
    for method, path, body in routes(token.pk):
        foreign = getattr(client, method)(path, body, format="json")
        unknown = getattr(client, method)(path.replace("/acme/", "/no-such-client/"), body, format="json")
        assert foreign.status_code == 404, (method, path)
        assert (foreign.status_code, foreign.content) == (unknown.status_code, unknown.content), (method, path)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_another_clients_member_account_or_token_in_the_path_is_an_unknown_one(api, people, theirs):
    client = api(people["admin"])
    pairs = [
        ("get", f"{BASE}/members/outsider/", f"{BASE}/members/no-such-person/", None),
        ("patch", f"{BASE}/members/outsider/", f"{BASE}/members/no-such-person/", {"role": "customer_viewer"}),
        ("delete", f"{BASE}/members/outsider/", f"{BASE}/members/no-such-person/", None),
        ("delete", f"{BASE}/members/globex-bot/", f"{BASE}/members/no-such-person/", None),
        ("get", f"{BASE}/tokens/{theirs['token'].pk}/", f"{BASE}/tokens/987654321/", None),
        ("delete", f"{BASE}/tokens/{theirs['token'].pk}/", f"{BASE}/tokens/987654321/", None),
        (
            "post",
            f"{BASE}/service-accounts/globex-bot/tokens/",
            f"{BASE}/service-accounts/nobody/tokens/",
            {"name": "J"},
        ),
    ]
    before = memberships()
    for method, foreign_path, unknown_path, body in pairs:
        foreign = getattr(client, method)(foreign_path, body, format="json")
        unknown = getattr(client, method)(unknown_path, body, format="json")
        assert foreign.status_code == 404, (method, foreign_path)
        assert foreign.content == unknown.content, (method, foreign_path)
    assert memberships() == before
    assert ApiToken.objects.get(pk=theirs["token"].pk).revoked_at is None


def test_a_token_without_the_write_scope_reads_but_does_not_change(api, people):
    client = api(people["admin"], scopes=("read",))
    assert client.get(f"{BASE}/members/").status_code == 200
    response = client.delete(f"{BASE}/members/viewer/")
    assert response.status_code == 403
    assert Membership.objects.filter(user=people["viewer"]).exists()


def test_a_customer_admin_service_account_manages_members_with_its_token(people, tenant):
    """What the guide's integrations do: a service account with the customer admin role and a write
    token adds a member; the audit log names the account."""
    account = service_account_create(tenant=tenant, username="admin-bot", role=Role.CUSTOMER_ADMIN)
    _, secret = token_issue(user=account, actor=people["admin"], name="Admin bot", scopes=["read", "write"])
    UserFactory(username="nadia")
    response = bearer(secret).post(f"{BASE}/members/", {"person": "nadia", "role": "engineer"}, format="json")
    assert response.status_code == 201, response.json()
    assert AuditEvent.objects.filter(action="access.role_granted", actor=account, source="api").exists()


def test_adding_a_member_replays_for_the_same_idempotency_key(api, people):
    UserFactory(username="nadia")
    client = api(people["admin"])
    body = {"person": "nadia", "role": "engineer"}
    first = client.post(f"{BASE}/members/", body, format="json", HTTP_IDEMPOTENCY_KEY="add-nadia")
    again = client.post(f"{BASE}/members/", body, format="json", HTTP_IDEMPOTENCY_KEY="add-nadia")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Membership.objects.filter(user__username="nadia").count() == 1
    assert AuditEvent.objects.filter(action="access.role_granted").count() == 1
