"""A member without all-projects access sees exactly the projects granted to them: in the project
list, the dashboard, the inbox, the API and search; and again once a grant is taken back."""

import pytest
from django.urls import reverse

from projects.services.access import project_access_grant, project_access_revoke
from projects.services.approvals import approval_request_create
from tenancy.models import Membership, Role
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(tenant, people):
    """Four projects of the client, all named "Claims …", a pending request on each, and a
    narrowed approver granted two of them; one more "Claims" project at another client."""
    projects = [
        ProjectFactory(tenant=tenant, code=f"CLM-{n}", name=f"Claims triage {n}", delivery_lead=people["lead"])
        for n in range(1, 5)
    ]
    ProjectFactory(tenant=TenantFactory(slug="initech"), code="CLM-9", name="Claims triage 9")
    for project in projects:
        approval_request_create(project=project, actor=people["lead"], note="Ready")
    narrowed = member(tenant, Role.CUSTOMER_APPROVER, username="narrow")
    Membership.objects.filter(user=narrowed).update(all_projects=False)
    for project in projects[1:3]:
        project_access_grant(project=project, user=narrowed, role=Role.CUSTOMER_APPROVER, actor=people["admin"])
    return narrowed, projects


def seen(client, api_client):
    """The project codes the person sees in each place."""
    page = client.get(reverse("project-list"))
    search = client.get(reverse("project-list"), {"q": "claims"})
    dashboard = client.get(reverse("home"))
    client_dashboard = client.get(reverse("tenant-detail", args=["acme"]))
    inbox = client.get(reverse("inbox"))
    api_list = api_client.get("/api/v1/projects/").json()["results"]
    api_search = api_client.get("/api/v1/projects/", {"search": "Claims"}).json()["results"]
    return {
        "list": sorted(p.code for p in page.context["page"].object_list),
        "search": sorted(p.code for p in search.context["page"].object_list),
        "dashboard": dashboard.context["portfolio"].projects,
        "client dashboard": client_dashboard.context["portfolio"].projects,
        "inbox": sorted(r.project.code for r in inbox.context["requests"]),
        "api": sorted(p["code"] for p in api_list),
        "api search": sorted(p["code"] for p in api_search),
        "pages": dashboard.content.decode() + inbox.content.decode() + page.content.decode(),
    }


def test_a_narrowed_member_sees_exactly_the_granted_projects(client, api, scene, people):
    narrowed, projects = scene
    client.force_login(narrowed)
    api_client = api(narrowed, scopes=("read",))

    views = seen(client, api_client)
    granted = ["CLM-2", "CLM-3"]
    assert {name: value for name, value in views.items() if name != "pages"} == {
        "list": granted,
        "search": granted,
        "dashboard": 2,
        "client dashboard": 2,
        "inbox": granted,
        "api": granted,
        "api search": granted,
    }
    for hidden in ("CLM-1", "CLM-4", "CLM-9", "Claims triage 1", "Claims triage 4"):
        assert hidden not in views["pages"]
    for code in granted:
        assert client.get(reverse("project-detail", args=[projects[int(code[-1]) - 1].pk])).status_code == 200
    assert client.get(reverse("project-detail", args=[projects[0].pk])).status_code == 404
    assert api_client.get(f"/api/v1/projects/{projects[0].pk}/").status_code == 404

    # Taking a grant back takes the project away everywhere, cached reads included.
    project_access_revoke(project=projects[1], user=narrowed, actor=people["admin"])
    views = seen(client, api_client)
    assert (views["list"], views["search"], views["dashboard"], views["inbox"], views["api"], views["api search"]) == (
        ["CLM-3"],
        ["CLM-3"],
        1,
        ["CLM-3"],
        ["CLM-3"],
        ["CLM-3"],
    )


def test_without_any_grant_a_narrowed_member_sees_no_project(client, api, scene, tenant):
    nobody = member(tenant, Role.CUSTOMER_VIEWER, username="nothing-yet")
    Membership.objects.filter(user=nobody).update(all_projects=False)
    client.force_login(nobody)
    views = seen(client, api(nobody, scopes=("read",)))
    assert (views["list"], views["search"], views["dashboard"], views["inbox"], views["api"]) == ([], [], 0, [], [])
