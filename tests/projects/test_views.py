import re

import pytest
from django.urls import reverse

from projects.services.projects import project_access_grant
from tenancy.models import Role
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain == [(f"{reverse('login')}?next=/", 302)]
    assert "Sign in to Stagegate" in response.content.decode()


def test_login_and_logout(client):
    tenant = TenantFactory()
    user = member(tenant, Role.CUSTOMER_VIEWER, username="vera")
    response = client.post(reverse("login"), {"username": "vera", "password": "stagegate-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == user

    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert not response.context["user"].is_authenticated


def test_wrong_password_is_refused_with_a_message(client):
    member(TenantFactory(), Role.CUSTOMER_VIEWER, username="vera")
    response = client.post(reverse("login"), {"username": "vera", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_project_list_shows_only_what_the_user_can_see(client):
    acme, globex, initech = TenantFactory(name="Acme"), TenantFactory(name="Globex"), TenantFactory(name="Initech")
    ProjectFactory(tenant=acme, name="Acme chatbot")
    granted = ProjectFactory(tenant=globex, name="Globex search")
    ProjectFactory(tenant=globex, name="Globex hidden")
    ProjectFactory(tenant=initech, name="Initech hidden")
    user = member(acme, Role.CUSTOMER_APPROVER)
    project_access_grant(project=granted, user=user, role=Role.CUSTOMER_VIEWER)
    client.force_login(user)

    response = client.get(reverse("project-list"))

    assert [p.name for p in response.context["page"].object_list] == ["Acme chatbot", "Globex search"]
    # The client field suggests the clients of what the user sees, and no other.
    suggestions = client.get(reverse("project-client-suggestions")).content.decode()
    assert re.findall(r'<option value="([^"]*)">', suggestions) == ["Acme", "Globex"]
    body = response.content.decode()
    assert "Globex hidden" not in body
    assert "Initech" not in body


def test_project_page_shows_the_users_rights(client):
    tenant = TenantFactory()
    project = ProjectFactory(tenant=tenant, name="Dispute triage")
    client.force_login(member(tenant, Role.CUSTOMER_APPROVER))
    response = client.get(reverse("project-detail", args=[project.pk]))
    assert response.status_code == 200
    assert "Dispute triage" in response.content.decode()
    assert response.context["actions"] == {"view", "approve"}
    assert "You can see the project and approve or reject its promotions." in response.content.decode()


@pytest.mark.parametrize("pk", [0, 2**63 - 1, 2**63, 10**30])
def test_a_project_page_of_no_project_is_not_found_however_large_its_number(client, pk):
    """An address naming no project is the page's 404 like another client's project, never an
    error from a number the database cannot hold."""
    tenant = TenantFactory()
    other = ProjectFactory()
    client.force_login(member(tenant, Role.CUSTOMER_ADMIN))
    refused = client.get(reverse("project-detail", args=[other.pk]))
    response = client.get(f"/projects/{pk}/")
    assert (response.status_code, refused.status_code) == (404, 404)
    assert _without_csrf(response) == _without_csrf(refused)


def _without_csrf(response) -> str:
    """The page's text with its CSRF tokens (masked anew for every answer) left out."""
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", response.content.decode())


@pytest.mark.parametrize(
    ("role", "sentence"),
    [
        (Role.CUSTOMER_VIEWER, "You can see the project."),
        (Role.ENGINEER, "You can see the project and change its technical details."),
        (
            Role.DELIVERY_LEAD,
            "You can see the project, change it, change its technical details and request its promotion, "
            "rollback, pause or retirement.",
        ),
    ],
)
def test_the_project_page_says_what_you_can_do_in_a_sentence(client, role, sentence):
    tenant = TenantFactory()
    project = ProjectFactory(tenant=tenant)
    client.force_login(member(tenant, role))
    body = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert sentence in body
    assert "change technical" not in body


def test_client_dashboard_counts_only_visible_projects(client):
    tenant = TenantFactory()
    shown = ProjectFactory(tenant=tenant, name="Shown")
    ProjectFactory(tenant=tenant, name="Hidden")
    outsider = UserFactory()
    project_access_grant(project=shown, user=outsider, role=Role.CUSTOMER_VIEWER)
    client.force_login(outsider)
    response = client.get(reverse("tenant-detail", args=[tenant.slug]))
    assert response.context["portfolio"].projects == 1
    assert response.context["tenant"] == tenant


def test_project_page_shows_the_latest_assessment_estimate_and_history(client, project, people):
    from assessments.catalog import prices_import
    from assessments.services.assessments import assessments_run
    from assessments.services.estimates import estimates_recalculate
    from projects.services.stages import project_pause

    prices_import()
    estimates_recalculate([project.pk])
    assessments_run([project.pk])
    project_pause(project=project, actor=people["lead"], reason="Waiting for data access")
    client.force_login(people["viewer"])
    response = client.get(reverse("project-detail", args=[project.pk]))
    body = response.content.decode()
    assert "Deployment card" in body
    assert "Data classified" in body
    # gpt-4o-mini at the default 1,000 in / 300 out against one A10G (docs/cost-model.md): none.
    assert "Self-hosting in the cloud: no break-even with the cloud API — none within capacity" in body
    assert "Waiting for data access" in body
    assert response.context["assessment"].status == "blocked"


def test_lead_pauses_and_rolls_back_from_the_project_page(client, project, people):
    from projects.models import Project, Stage

    Project.objects.filter(pk=project.pk).update(stage=Stage.PILOT)
    client.force_login(people["lead"])
    page = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "Roll back to" in page
    response = client.post(reverse("project-stage-move", args=[project.pk, "pause"]), {"reason": ""}, follow=True)
    assert "A reason is required" in response.content.decode()
    client.post(reverse("project-stage-move", args=[project.pk, "pause"]), {"reason": "Budget review"})
    client.post(
        reverse("project-stage-move", args=[project.pk, "rollback"]), {"to_stage": "discovery", "reason": "Redo"}
    )
    project.refresh_from_db()
    assert project.stage == Stage.DISCOVERY
    client.force_login(people["viewer"])
    assert "Roll back to" not in client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert client.post(reverse("project-stage-move", args=[project.pk, "retire"]), {"reason": "x"}).status_code == 403
