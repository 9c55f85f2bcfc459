"""The timeline's sentences (issue 17): each event a person reads on a project's page names the people
and the fields as the pages name them; the audit log and its export keep the codes."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.sentences import describe
from deployments.services import deployment_model_switch, environment_update
from projects.services.projects import profile_update, project_update
from projects.services.stages import project_pause, project_rollback
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def latest(project, action):
    return AuditEvent.objects.select_related("actor").filter(project_id=project.pk, action=action).latest("pk")


def test_a_change_of_the_requirements_names_the_questions_not_the_fields(project, people):
    profile_update(project=project, actor=people["lead"], monthly_requests=600_000, avg_output_tokens=250)
    event = latest(project, "project.profile_updated")
    assert set(event.after) == {"monthly_requests", "avg_output_tokens"}, "the log keeps the field names"
    sentence = describe(event)
    assert sentence.startswith(f"{people['lead']} changed the requirements: “")
    assert "monthly_requests" not in sentence
    assert "avg_output_tokens" not in sentence


def test_a_change_of_the_project_names_its_fields_as_the_edit_page_does(project, people):
    project_update(project=project, actor=people["lead"], description="New words", hosting_approach="hybrid")
    assert describe(latest(project, "project.updated")) == (
        f"{people['lead']} changed the project: “Description” and “Model hosting”."
    )


def test_a_change_of_the_environment_names_its_facts(project, people):
    admin = UserFactory(username="ops", first_name="Olu", last_name="Ops", is_platform_admin=True)
    environment = {"provider": "aws", "account_id": "1234", "regions": ["eu-west-1"], "access_pattern": "SSO"}
    deployment_model_switch(project=project, actor=admin, deployment_model="customer_cloud", environment=environment)
    environment_update(project=project, actor=admin, account_id="5678", change_process_reference="CAB")
    sentence = describe(latest(project, "environment.updated"))
    assert sentence.startswith("Olu Ops changed the client's environment: “Account, subscription or project id”")
    assert "account_id" not in sentence
    assert "change_process_reference" not in sentence


def test_moves_back_say_who_did_what_from_where_to_where_and_why(project, people):
    project.stage = "pilot"
    project.save()
    project_rollback(project=project, actor=people["lead"], to_stage="discovery", reason="Start again")
    assert describe(latest(project, "project.stage_changed")) == (
        f"{people['lead']} rolled the project back from Pilot to Discovery: “Start again”."
    )
    project_pause(project=project, actor=people["lead"], reason="Budget freeze")
    assert describe(latest(project, "project.stage_changed")) == (
        f"{people['lead']} paused the project at the Discovery stage: “Budget freeze”."
    )


def test_the_stage_history_says_the_moves_as_the_timeline_does(client, project, people):
    project.stage = "pilot"
    project.save()
    project_rollback(project=project, actor=people["lead"], to_stage="discovery", reason="Start again")
    client.force_login(people["viewer"])
    page = client.get(reverse("project-detail", args=[project.pk])).content.decode().replace("&#x27;", "'")
    history = page.split('id="history-heading"')[1]
    sentence = f"{people['lead']} rolled the project back from Pilot to Discovery: “Start again”."
    assert sentence in history
    assert sentence in page.split('id="timeline-heading"')[1].split('id="requests-heading"')[0]


def test_the_api_and_the_export_keep_the_codes(api, project, people):
    """Integrations and auditors read codes: the page's sentence is not the log's record."""
    profile_update(project=project, actor=people["lead"], monthly_requests=600_000)
    admin = api(people["admin"])
    [event] = admin.get("/api/v1/audit-events/?action=project.profile_updated").json()["results"]
    assert (event["action"], event["after"]) == ("project.profile_updated", {"monthly_requests": 600_000})
    export = admin.get("/api/v1/audit-events/export/?action=project.profile_updated")
    row = b"".join(export.streaming_content).decode("utf-8").splitlines()[1]
    assert "project.profile_updated" in row
    assert "monthly_requests" in row
