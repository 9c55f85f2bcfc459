"""Every page runs the same number of queries with 2 projects as with 30."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.catalog import prices_import
from assessments.services.evaluation import project_evaluate
from projects.models import RequirementsProfile
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.stages import project_pause
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "home": lambda project: reverse("home"),
    "tenant": lambda project: reverse("tenant-detail", args=[project.tenant.slug]),
    "inbox": lambda project: reverse("inbox"),
    "project list": lambda project: reverse("project-list"),
    "filtered project list": lambda project: reverse("project-list") + "?q=PRJ&pending=false&sort=-monthly_cost",
    "project": lambda project: reverse("project-detail", args=[project.pk]),
    "requirements": lambda project: reverse("project-profile", args=[project.pk]),
    "requirements panel": lambda project: reverse("project-requirements-consequences", args=[project.pk]),
    "new project": lambda project: reverse("project-new"),
    "edit project": lambda project: reverse("project-edit", args=[project.pk]),
    "deployment model": lambda project: reverse("project-deployment-model", args=[project.pk]),
    "environment": lambda project: reverse("project-environment", args=[project.pk]),
    "routing rules": lambda project: reverse("project-routing", args=[project.pk]),
    "evidence and tickets": lambda project: reverse("project-evidence", args=[project.pk]),
}


LEAD_ONLY = {
    "requirements",
    "requirements panel",
    "new project",
    "edit project",
    "deployment model",
    "environment",
    "routing rules",
    "evidence and tickets",
}
CASES = [
    (page, who) for page in sorted(PAGES) for who in ("lead", "approver") if who == "lead" or page not in LEAD_ONLY
]


@pytest.mark.parametrize(("page", "who"), CASES)
def test_page_queries_do_not_grow_with_projects(client, tenant, people, project, page, who):
    def grow(count):
        for _ in range(count):
            other = ProjectFactory(tenant=tenant)
            approval_request_create(project=other, actor=people["lead2"])
            project_pause(project=ProjectFactory(tenant=tenant), actor=people["lead"], reason="hold")

    client.force_login(people[who])
    url = PAGES[page](project)
    grow(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    grow(28)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("who", ["approver", "viewer"])
def test_pages_refuse_what_a_role_may_not_do(client, people, project, who):
    client.force_login(people[who])
    assert client.get(reverse("project-profile", args=[project.pk])).status_code == 403
    assert client.get(reverse("project-new")).status_code == 403
    assert client.post(reverse("project-evaluate", args=[project.pk])).status_code == 403
    assert client.post(reverse("project-promotion", args=[project.pk])).status_code == 403


#: The delivery lead's project page, with everything it can show: the session and the person (2),
#: their reach (2), the project with its client, lead, requirements and environment (1), its approval
#: requests and their decisions (2), evidence links and tickets (2), assessments and estimates (2), the
#: cost plan with the client's cost defaults (1), gate evidence (1), unread notifications (1), the
#: timeline (1) and the stage history (1). A query added to the page is a decision: change this with it.
PROJECT_PAGE_QUERIES = 16


def test_the_project_page_runs_a_fixed_number_of_queries(client, people, project):
    prices_import(prices={"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60"))}, source="test prices")
    RequirementsProfile.objects.filter(project=project).update(monthly_requests=50_000_000)
    project_evaluate(project)
    rejected = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=rejected, actor=people["approver"], verdict="reject", comment="Not yet")
    pending = approval_request_create(project=project, actor=people["lead"], note="Ready")
    approval_decide(request=pending, actor=people["approver"], verdict="approve")
    client.force_login(people["lead"])
    url = reverse("project-detail", args=[project.pk])
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    for shown in ("Not yet", "Ready", "cost-chart"):  # the rejected request, the pending one, the chart
        assert shown in body
    assert len(queries.captured_queries) == PROJECT_PAGE_QUERIES
