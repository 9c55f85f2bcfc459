"""A page's form carrying the NUL character is refused with the product's 400 page naming the field,
and changes nothing (core.form_bodies). PostgreSQL cannot store NUL in text or JSON: where a page
stored the value without a form ``CharField`` (a reason or a note read from the body, a comment of
a form whose errors were not read, a list of regions split from a line) the answer was a 500 on
PostgreSQL; on SQLite the value was stored. Run on both."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment
from deployments.services import environment_update
from projects.models import ApprovalDecision, ApprovalRequest, DeploymentModel, Project, StageTransition
from projects.services.approvals import approval_request_create

pytestmark = pytest.mark.django_db

NUL = "before\x00after"


def state(project):
    """What a refused form must leave as it was: the project, its requests, decisions, moves and
    environment, and the audit log (every change records an event in its transaction)."""
    project.refresh_from_db()
    return (
        list(Project.objects.filter(pk=project.pk).values()),
        list(ApprovalRequest.objects.order_by("pk").values()),
        ApprovalDecision.objects.count(),
        StageTransition.objects.count(),
        list(CustomerCloudEnvironment.objects.order_by("pk").values()),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def assert_refused(response, label):
    body = re.sub(r"\s+", " ", response.content.decode())
    assert response.status_code == 400, body[:500]
    assert response["Content-Type"].startswith("text/html")
    assert '<h1 id="error-heading">That request could not be read</h1>' in body
    assert f"{label}: The NUL character (\\u0000) is not allowed. Remove it and send the form again." in body
    assert 'aria-label="Main"' in body  # the product's layout, with the person's navigation


def customer_cloud(project, people):
    environment_update(project=project, actor=people["lead"], provider="aws", account_id="1", regions=["eu-west-1"])
    Project.objects.filter(pk=project.pk).update(deployment_model=DeploymentModel.CUSTOMER_CLOUD)


# Each page that stored a posted value without a form CharField, as the person who may post it.
CASES = {
    "pause": ("lead", lambda p, a: reverse("project-stage-move", args=[p.pk, "pause"]), {"reason": NUL}, "Reason"),
    "retire": ("lead", lambda p, a: reverse("project-stage-move", args=[p.pk, "retire"]), {"reason": NUL}, "Reason"),
    "promotion": ("lead", lambda p, a: reverse("project-promotion", args=[p.pk]), {"note": NUL}, "Note"),
    "approve": ("approver", lambda p, a: reverse("decide", args=[a.pk, "approve"]), {"comment": NUL}, "Comment"),
    "reject": ("approver", lambda p, a: reverse("decide", args=[a.pk, "reject"]), {"comment": NUL}, "Comment"),
    "freeze override": (
        "platform",
        lambda p, a: reverse("freeze-override", args=[a.pk]),
        {"reason": NUL},
        "Reason",
    ),
    "regions": (
        "lead",
        lambda p, a: reverse("project-environment", args=[p.pk]),
        {"provider": "aws", "account_id": "1", "regions": NUL, "network_isolation": "none"},
        "Regions",
    ),
    "residency regions": (
        "lead",
        lambda p, a: reverse("project-environment", args=[p.pk]),
        {"provider": "aws", "account_id": "1", "residency_regions": f"EU, {NUL}", "network_isolation": "none"},
        "Residency regions",
    ),
    "a prefixed field": (
        "lead",
        lambda p, a: reverse("gate-evidence-record", args=[p.pk, "data_classified"]),
        {"evidence-data_classified-note": NUL},
        "Note",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_nul_in_a_pages_form_is_a_400_naming_the_field_and_changes_nothing(client, project, people, case):
    who, url, data, label = CASES[case]
    customer_cloud(project, people)
    asked = approval_request_create(project=project, actor=people["lead2"])
    before = state(project)
    client.force_login(people[who])

    response = client.post(url(project, asked), data)

    assert_refused(response, label)
    assert state(project) == before


def test_a_nul_in_a_fields_name_or_in_one_of_its_values_is_refused(client, project, people):
    client.force_login(people["lead"])
    before = state(project)
    url = reverse("project-stage-move", args=[project.pk, "pause"])
    assert_refused(client.post(url, {"reason": "Budget review", "note\x00": "x"}), "Note")
    assert_refused(client.post(url, {"reason": ["Budget review", NUL]}), "Reason")
    assert state(project) == before


def test_the_htmx_form_is_refused_the_same_way(client, project, people):
    client.force_login(people["lead"])
    before = state(project)
    response = client.post(
        reverse("project-stage-move", args=[project.pk, "pause"]), {"reason": NUL}, headers={"HX-Request": "true"}
    )
    assert_refused(response, "Reason")
    assert state(project) == before


def test_a_form_without_nul_goes_through(client, project, people):
    client.force_login(people["lead"])
    response = client.post(reverse("project-stage-move", args=[project.pk, "pause"]), {"reason": "Budget review"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == "paused"


def test_the_api_answers_its_own_bodies(client, people):
    """The API's parsers check its bodies and answer in JSON: this check leaves them alone."""
    client.force_login(people["lead"])
    response = client.post("/api/v1/projects/", {"name": NUL})
    assert response["Content-Type"].startswith("application/json")
