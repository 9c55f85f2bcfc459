"""Per-project access over the API: GET/POST /api/v1/projects/{id}/access/ and DELETE of a grant."""

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from projects.models import ProjectUserObjectPermission
from projects.services.access import project_access_grant
from tenancy.access import Action, can
from tenancy.models import Membership, Role
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def access_url(project, *rest):
    return f"/api/v1/projects/{project.pk}/access/" + "".join(f"{part}/" for part in rest)


def grants():
    return sorted(ProjectUserObjectPermission.objects.values_list("user__username", "permission__codename"))


def fields(response):
    return {item["field"] for item in response.json()["error"]["fields"]}


def test_a_customer_admin_sees_who_has_access_and_why(api, project, people):
    Membership.objects.filter(user=people["approver2"]).update(all_projects=False)
    project_access_grant(project=project, user=UserFactory(username="ana"), role=Role.ENGINEER)
    response = api(people["admin"], scopes=("read",)).get(access_url(project))
    assert response.status_code == 200
    entries = {entry["name"]: entry for entry in response.json()}
    assert not {"approver2", "outsider", "platform"} & set(entries)
    assert entries["ana"] == {
        "kind": "user",
        "name": "ana",
        "display_name": entries["ana"]["display_name"],
        "tenant_role": None,
        "all_projects": None,
        "project_role": "engineer",
        "groups": [],
        "reasons": ["project_grant"],
        "actions": ["view", "change_technical"],
        "members": None,
    }
    assert entries["viewer"]["reasons"] == ["tenant_role"]
    assert (entries["viewer"]["tenant_role"], entries["viewer"]["all_projects"]) == ("customer_viewer", True)


def test_a_grant_and_its_revoke_go_through_the_services(api, project, people):
    client = api(people["admin"])
    ana = UserFactory(username="ana")
    response = client.post(access_url(project), {"user": "ANA", "role": "delivery_lead"}, format="json")
    assert response.status_code == 200, response.json()
    assert {entry["name"]: entry["project_role"] for entry in response.json()}["ana"] == "delivery_lead"
    assert can(ana, project, Action.PROMOTE)

    response = client.delete(access_url(project, "users", "ana"))
    assert response.status_code == 204
    assert not can(ana, project, Action.VIEW)
    assert list(
        AuditEvent.objects.filter(action__startswith="access.project").order_by("pk").values_list("action", "actor")
    ) == [
        ("access.project_granted", people["admin"].pk),
        ("access.project_revoked", people["admin"].pk),
    ]


def test_a_group_is_granted_and_revoked(api, project, people):
    Group.objects.create(name="Risk reviewers").user_set.add(UserFactory(username="bo"))
    client = api(people["platform"])
    response = client.post(access_url(project), {"group": "Risk reviewers", "role": "customer_approver"}, format="json")
    assert response.status_code == 200, response.json()
    entries = {(entry["kind"], entry["name"]): entry for entry in response.json()}
    assert entries[("group", "Risk reviewers")]["members"] == 1
    assert entries[("user", "bo")]["reasons"] == ["group_grant"]
    assert client.delete(access_url(project, "groups", "Risk reviewers")).status_code == 204
    assert client.delete(access_url(project, "groups", "Risk reviewers")).status_code == 404


def test_another_clients_person_and_an_unknown_name_get_the_same_404(api, project, people):
    client = api(people["admin"])
    foreign = client.post(access_url(project), {"user": "outsider", "role": "customer_viewer"}, format="json")
    unknown = client.post(access_url(project), {"user": "nobody-at-all", "role": "customer_viewer"}, format="json")
    no_group = client.post(access_url(project), {"group": "No such group", "role": "customer_viewer"}, format="json")
    assert foreign.status_code == unknown.status_code == no_group.status_code == 404
    assert foreign.content == unknown.content == no_group.content
    assert grants() == []
    # Taking back: a person of another client, an unknown one and someone without a grant read alike.
    answers = {client.delete(access_url(project, "users", name)).content for name in ("outsider", "nobody", "viewer")}
    assert len(answers) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "ana"}, "role"),
        ({"user": "ana", "role": "overlord"}, "role"),
        ({"user": "ana", "role": "customer_admin"}, "role"),
        ({"role": "engineer"}, "user"),
        ({"user": "ana", "group": "g", "role": "engineer"}, "user"),
        ({"user": "x" * 151, "role": "engineer"}, "user"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api, project, people, body, field):
    UserFactory(username="ana")
    response = api(people["admin"]).post(access_url(project), body, format="json")
    assert response.status_code == 400
    assert fields(response) == {field}
    assert grants() == []


def test_the_last_customer_admins_right_is_kept_with_the_rule(api):
    client_tenant = TenantFactory(slug="soi")
    project = ProjectFactory(tenant=client_tenant)
    admin = member(client_tenant, Role.CUSTOMER_ADMIN, username="soi-admin")
    Membership.objects.filter(user=admin).update(all_projects=False)
    project_access_grant(project=project, user=admin, role=Role.CUSTOMER_APPROVER)
    response = api(admin).delete(access_url(project, "users", "soi-admin"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "user"
    assert "nobody could approve its rollouts" in error["message"]
    assert can(admin, project, Action.APPROVE)


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("lead", 403), ("approver", 403), ("outsider", 404)])
def test_who_may_not_manage_the_client_is_refused(api, project, people, who, status):
    UserFactory(username="ana")
    project_access_grant(project=project, user=UserFactory(username="bo"), role=Role.ENGINEER)
    client = api(people[who])
    before = grants()
    assert client.get(access_url(project)).status_code == status
    assert client.post(access_url(project), {"user": "ana", "role": "engineer"}, format="json").status_code == status
    assert client.delete(access_url(project, "users", "bo")).status_code == status
    assert grants() == before


def test_an_unknown_project_is_a_404_like_another_clients(api, people):
    client = api(people["admin"])
    foreign = ProjectFactory(tenant=people["outsider"].memberships.get().tenant)
    assert client.get(f"/api/v1/projects/{foreign.pk}/access/").content == (
        client.get("/api/v1/projects/999999/access/").content
    )


def test_a_read_token_cannot_grant(api, project, people):
    UserFactory(username="ana")
    response = api(people["admin"], scopes=("read",)).post(
        access_url(project), {"user": "ana", "role": "engineer"}, format="json"
    )
    assert response.status_code == 403
    assert grants() == []


def test_the_endpoints_are_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/projects/{id}/access/"])
    assert "delete" in schema["paths"]["/api/v1/projects/{id}/access/users/{name}/"]
    assert "delete" in schema["paths"]["/api/v1/projects/{id}/access/groups/{name}/"]


@pytest.mark.parametrize("body", ["[]", "null", '"text"', "1.5", '{"user": "a\\u0000b", "role": "engineer"}'])
def test_a_body_that_is_not_a_grant_is_a_400(api, project, people, body):
    response = api(people["admin"]).post(access_url(project), body, content_type="application/json")
    assert response.status_code == 400
    assert grants() == []


def test_a_name_with_a_nul_in_the_path_is_refused_not_a_500(api, project, people):
    assert api(people["admin"]).delete(access_url(project, "users", "a%00b")).status_code in (400, 404)
