"""The project's access page (Django test client): who has access and why, grant and take back."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from projects.models import ProjectUserObjectPermission
from projects.services.access import NOT_GRANTABLE, project_access_grant
from tenancy.access import Action, can
from tenancy.models import Membership, Role
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def grants():
    return sorted(ProjectUserObjectPermission.objects.values_list("user__username", "permission__codename"))


def url(project):
    return reverse("project-access", args=[project.pk])


def test_the_page_lists_who_has_access_and_why(client, project, people):
    Membership.objects.filter(user=people["approver2"]).update(all_projects=False)
    project_access_grant(project=project, user=UserFactory(username="ana", first_name="Ana"), role=Role.ENGINEER)
    client.force_login(people["admin"])
    response = client.get(url(project))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Customer viewer of the client, on all its projects" in body
    assert "given engineer on this project" in body
    assert "approver2" not in body
    # The project page links here for those who manage the client.
    assert url(project) in client.get(reverse("project-detail", args=[project.pk])).content.decode()


def test_granting_and_taking_back_on_the_page(client, project, people):
    ana = UserFactory(username="ana")
    client.force_login(people["admin"])
    response = client.post(url(project), {"grantee_kind": "user", "name": "ana", "role": "delivery_lead"}, follow=True)
    assert response.redirect_chain[-1][0] == url(project)
    assert "now has the delivery lead role on ACME-1" in response.content.decode()
    assert can(ana, project, Action.PROMOTE)

    response = client.post(
        reverse("project-access-revoke", args=[project.pk]), {"kind": "user", "name": "ana"}, follow=True
    )
    assert "no longer has rights on ACME-1" in response.content.decode()
    assert not can(ana, project, Action.VIEW)


def test_a_group_is_granted_on_the_page(client, project, people):
    Group.objects.create(name="Risk reviewers").user_set.add(UserFactory(username="bo"))
    client.force_login(people["platform"])
    client.post(url(project), {"grantee_kind": "group", "name": "Risk reviewers", "role": "customer_approver"})
    body = client.get(url(project)).content.decode()
    assert "Group Risk reviewers" in body
    assert "through the group Risk reviewers" in body


def test_another_clients_person_reads_like_an_unknown_name(client, project, people):
    client.force_login(people["admin"])
    answers = []
    for name in ("outsider", "nobody-at-all"):
        response = client.post(url(project), {"grantee_kind": "user", "name": name, "role": "customer_viewer"})
        assert response.status_code == 200
        answers.append(response.context["form"].errors)
    assert answers[0] == answers[1] == {"name": [NOT_GRANTABLE]}
    assert grants() == []


def test_bad_input_names_the_field(client, project, people):
    client.force_login(people["admin"])
    response = client.post(url(project), {"grantee_kind": "user", "name": "ana", "role": "customer_admin"})
    assert set(response.context["form"].errors) == {"role"}
    response = client.post(url(project), {"grantee_kind": "user", "name": "", "role": "engineer"})
    assert set(response.context["form"].errors) == {"name"}
    assert grants() == []


def test_the_last_customer_admin_keeps_the_right_with_the_rule_shown(client):
    tenant = TenantFactory(slug="soi")
    project = ProjectFactory(tenant=tenant, code="SOI-1")
    admin = member(tenant, Role.CUSTOMER_ADMIN, username="soi-admin")
    Membership.objects.filter(user=admin).update(all_projects=False)
    project_access_grant(project=project, user=admin, role=Role.CUSTOMER_APPROVER)
    client.force_login(admin)
    response = client.post(
        reverse("project-access-revoke", args=[project.pk]), {"kind": "user", "name": "soi-admin"}, follow=True
    )
    assert "nobody could approve its rollouts" in response.content.decode()
    assert can(admin, project, Action.APPROVE)


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("lead", 403), ("engineer", 403), ("outsider", 404)])
def test_who_may_not_manage_the_client_is_refused(client, project, people, who, status):
    UserFactory(username="ana")
    project_access_grant(project=project, user=UserFactory(username="bo"), role=Role.ENGINEER)
    before = grants()
    client.force_login(people[who])
    assert client.get(url(project)).status_code == status
    assert client.post(url(project), {"grantee_kind": "user", "name": "ana", "role": "engineer"}).status_code == status
    revoke = reverse("project-access-revoke", args=[project.pk])
    assert client.post(revoke, {"kind": "user", "name": "bo"}).status_code == status
    assert grants() == before
    if status == 403:
        assert url(project) not in client.get(reverse("project-detail", args=[project.pk])).content.decode()


def test_taking_back_a_name_without_a_grant_is_a_404(client, project, people):
    client.force_login(people["admin"])
    revoke = reverse("project-access-revoke", args=[project.pk])
    assert client.post(revoke, {"kind": "user", "name": "viewer"}).status_code == 404
    assert client.post(revoke, {"kind": "user", "name": "nobody"}).status_code == 404
    assert client.post(revoke, {"kind": "role", "name": "viewer"}).status_code == 302  # said on the page
    assert client.get(revoke).status_code == 405
