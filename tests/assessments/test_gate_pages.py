"""The project page's checklist: record evidence (delivery side), accept it (client), withdraw it,
each re-drawing the readiness section through htmx with a freshly stored assessment."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, GateEvidence
from assessments.services.assessments import assessments_run
from assessments.services.gates import evidence_record
from tests.factories import ProjectFactory, TenantFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def assessed(project):
    assessments_run([project.pk])
    return project


def record_url(project, item="data_classified"):
    return reverse("gate-evidence-record", args=[project.pk, item])


def text(response) -> str:
    return response.content.decode()


def record(client, project, item="data_classified", **fields):
    data = {f"evidence-{item}-{name}": value for name, value in {"note": "Agreed with Dana", **fields}.items()}
    return client.post(record_url(project, item), data, headers=HTMX)


def test_the_lead_records_evidence_and_the_section_shows_it_at_once(client, assessed, people):
    client.force_login(people["lead"])
    page = text(client.get(reverse("project-detail", args=[assessed.pk])))
    assert "Record evidence" in page
    assert 'id="gate-data_classified"' in page

    response = record(client, assessed, url="https://docs.example/classification", reference="DPA §4")
    assert response.status_code == 200
    section = text(response)
    assert section.lstrip().startswith('<section id="readiness"')
    assert "Agreed with Dana" in section
    assert "Waiting for the client's acceptance." in section
    assert "Evidence recorded for “Data classified”." in section
    latest = Assessment.objects.filter(project=assessed).latest("pk")
    assert latest.status == "blocked"
    assert "Data classified: the evidence waits for the client's acceptance" in latest.result["blocking"]
    assert "Accept" not in section.split("Waiting for the client")[1].split("</td>")[0]  # not the lead's to accept


def test_the_evidence_form_is_loaded_when_asked_for_and_has_a_page_of_its_own(client, assessed, people):
    client.force_login(people["lead"])
    page = text(client.get(reverse("project-detail", args=[assessed.pk])))
    # Each row offers its form, loaded when "Record evidence" is opened; the page builds none of them.
    assert f'hx-get="{record_url(assessed)}" hx-trigger="toggle once"' in page
    assert 'name="evidence-data_classified-note"' not in page

    fragment = text(client.get(record_url(assessed), headers=HTMX))
    assert "<html" not in fragment
    assert f'hx-post="{record_url(assessed)}" hx-target="#readiness"' in fragment
    assert 'name="evidence-data_classified-note"' in fragment

    # Without htmx, the form on its own page: a mistake keeps what was typed and says what is wrong.
    own = client.get(record_url(assessed))
    assert "<h1>Evidence for “Data classified”</h1>" in text(own)
    refused = client.post(
        record_url(assessed), {"evidence-data_classified-note": "", "evidence-data_classified-reference": "DPA"}
    )
    assert refused.status_code == 200
    assert "This field is required." in text(refused)
    assert 'value="DPA"' in text(refused)
    assert not GateEvidence.objects.exists()
    saved = client.post(record_url(assessed), {"evidence-data_classified-note": "Agreed with Dana"})
    assert saved.status_code == 302
    assert saved.url == reverse("project-detail", args=[assessed.pk])
    assert GateEvidence.objects.get().note == "Agreed with Dana"
    # It names the evidence it would replace.
    assert f"It replaces the evidence recorded by {people['lead']}" in text(client.get(record_url(assessed)))


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_item_the_checklist_does_not_have_is_not_found_and_one_it_checks_itself_says_so(
    client, assessed, people, method
):
    client.force_login(people["lead"])
    unknown = getattr(client, method)(record_url(assessed, "no_such_item"))
    assert unknown.status_code == 404
    data_checked = getattr(client, method)(record_url(assessed, "environment_complete"), follow=True)
    if method == "get":
        assert data_checked.status_code == 404
    else:
        assert "checked from the project&#x27;s data, not by evidence" in text(data_checked)
    assert not GateEvidence.objects.exists()


def test_the_evidence_form_is_not_for_those_who_may_not_record(client, assessed, people):
    client.force_login(people["viewer"])
    assert client.get(record_url(assessed), headers=HTMX).status_code == 403
    # Posted, the rule is told before the form is read: an empty form is not answered with its
    # field errors, and a complete one records nothing.
    for who in ("viewer", "approver"):
        client.force_login(people[who])
        for data in ({}, {"evidence-data_classified-note": "Classified by the client."}):
            section = client.post(record_url(assessed), data, headers=HTMX)
            assert "Your rights on this project do not let you change its technical details." in text(section)
            assert "This field is required" not in text(section)
            assert client.post(record_url(assessed), data).status_code == 302  # back to the project page
    assert not GateEvidence.objects.exists()
    client.force_login(people["lead"])
    checked_from_data = record_url(assessed, "environment_complete")
    assert client.get(checked_from_data, headers=HTMX).status_code == 404
    stranger = ProjectFactory(tenant=TenantFactory())
    assert client.get(record_url(stranger)).status_code == 404
    assert client.get(record_url(ProjectFactory.build(pk=999999))).status_code == 404


def test_the_client_accepts_and_the_project_becomes_ready(client, assessed, people):
    evidence = evidence_record(project=assessed, actor=people["lead"], item="data_classified", note="Agreed")
    assessments_run([assessed.pk])
    client.force_login(people["approver"])
    page = text(client.get(reverse("project-detail", args=[assessed.pk])))
    assert reverse("gate-evidence-accept", args=[assessed.pk, evidence.pk]) in page
    assert "Record evidence" not in page  # the client does not record

    response = client.post(reverse("gate-evidence-accept", args=[assessed.pk, evidence.pk]), headers=HTMX)
    assert response.status_code == 200
    assert f"Accepted by {people['approver']}" in text(response)
    assert Assessment.objects.filter(project=assessed).latest("pk").status == "ready"


def test_the_delivery_side_is_told_the_rule_when_it_tries_to_accept(client, assessed, people):
    evidence = evidence_record(project=assessed, actor=people["lead"], item="data_classified", note="Agreed")
    client.force_login(people["lead"])
    response = client.post(reverse("gate-evidence-accept", args=[assessed.pk, evidence.pk]), headers=HTMX)
    assert "Only the client accepts this evidence" in text(response)
    evidence.refresh_from_db()
    assert evidence.accepted_at is None


def test_withdrawing_keeps_the_row_and_fails_the_item_again(client, assessed, people):
    evidence = evidence_record(project=assessed, actor=people["lead"], item="monitoring", note="Grafana board")
    client.force_login(people["engineer"])
    response = client.post(reverse("gate-evidence-withdraw", args=[assessed.pk, evidence.pk]))
    assert response.status_code == 302  # without htmx: back to the project page
    evidence.refresh_from_db()
    assert evidence.withdrawn_by == people["engineer"]
    page = text(client.get(response.url))
    assert "Evidence for “Monitoring in place” withdrawn." in page


def test_a_bad_expiry_shows_on_the_field_and_records_nothing(client, assessed, people):
    client.force_login(people["lead"])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    section = text(record(client, assessed, expires_on=yesterday.isoformat()))
    assert "The expiry date is in the past" in section
    assert 'id="id_evidence-data_classified-expires_on_error"' in section
    assert "<details open>" in section.split('id="gate-data_classified"')[1]  # its form drawn open
    assert not GateEvidence.objects.exists()
    section = text(record(client, assessed, note=""))
    assert "This field is required." in section
    assert not GateEvidence.objects.exists()


def test_someone_else_s_evidence_and_project_are_not_found(client, assessed, people):
    other_project = ProjectFactory(tenant=assessed.tenant)
    foreign = evidence_record(project=other_project, actor=people["lead"], item="monitoring", note="x")
    stranger = ProjectFactory(tenant=TenantFactory())
    client.force_login(people["lead"])
    assert client.post(reverse("gate-evidence-withdraw", args=[assessed.pk, foreign.pk])).status_code == 404
    assert client.post(reverse("gate-evidence-withdraw", args=[assessed.pk, 999999])).status_code == 404
    assert client.post(record_url(stranger), {"evidence-data_classified-note": "x"}).status_code == 404
    assert client.post(record_url(ProjectFactory.build(pk=999999)), {}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.withdrawn_at is None


def test_a_viewer_sees_the_evidence_but_no_actions(client, assessed, people):
    evidence_record(project=assessed, actor=people["lead"], item="data_classified", note="Agreed")
    client.force_login(people["viewer"])
    page = text(client.get(reverse("project-detail", args=[assessed.pk])))
    assert "Agreed" in page
    assert "Record evidence" not in page
    assert "Withdraw" not in page
    assert "gate-evidence-accept" not in page
    response = client.post(record_url(assessed), {"evidence-data_classified-note": "x"}, headers=HTMX)
    assert "Your rights on this project do not let you change its technical details." in text(response)
    assert GateEvidence.objects.count() == 1


def test_the_project_page_queries_do_not_grow_with_evidence(client, assessed, people):
    client.force_login(people["approver"])
    url = reverse("project-detail", args=[assessed.pk])
    evidence_record(project=assessed, actor=people["lead"], item="data_classified", note="Agreed")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for item in ("hosting_decision", "monitoring", "incident_runbook", "rollback_plan", "client_change_approval"):
        evidence_record(project=assessed, actor=people["lead"], item=item, note=f"Done: {item}")
    assessments_run([assessed.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one), [query["sql"] for query in many.captured_queries]
