"""Projects and approvals over the API: lists, filters, safe retries, errors, the approval flow."""

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment
from assessments.services.assessments import assessments_run
from audit.models import AuditEvent
from projects.models import ApprovalRequest, Project, Stage, TicketReference
from projects.selectors import approval_inbox
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.policies import policy_save
from projects.services.projects import ticket_link
from tenancy.models import Role
from tenancy.services import service_account_create
from tests.factories import MembershipFactory, ProjectFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_list_shape_filters_and_search(api, tenant, people, project):
    other = ProjectFactory(tenant=tenant, code="OTHER-1", name="Dispute triage")
    Project.objects.filter(pk=other.pk).update(stage=Stage.PILOT, hosting_approach="hybrid")
    ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    assessments_run([other.pk])  # the other project gets a readiness status, ACME-1 none
    other_status = Assessment.objects.get(project=other).status
    ProjectFactory(tenant=TenantFactory(slug="elsewhere"), code="HIDDEN-1")
    client = api(people["viewer"])

    body = client.get("/api/v1/projects/").json()
    assert set(body) >= {"results", "next"}
    assert {p["code"] for p in body["results"]} == {"ACME-1", "OTHER-1"}
    first = body["results"][0]
    assert {"id", "tenant", "stage", "deployment_model", "hosting_approach", "readiness_status"} <= set(first)
    assert first["tenant"] == "acme"

    def codes(query):
        return {p["code"] for p in client.get(f"/api/v1/projects/?{query}").json()["results"]}

    assert codes("stage=pilot") == {"OTHER-1"}
    assert codes("hosting_approach=hybrid") == {"OTHER-1"}
    assert codes("deployment_model=managed_application") == {"ACME-1", "OTHER-1"}
    assert codes("ticket=AI-42") == {"ACME-1"}
    assert codes(f"readiness_status={other_status}") == {"OTHER-1"}
    assert codes("tenant=acme") == {"ACME-1", "OTHER-1"}
    # Another client's slug is answered like one that does not exist (tests/api/test_reference_hints.py).
    elsewhere = client.get("/api/v1/projects/?tenant=elsewhere")
    assert elsewhere.status_code == 400
    assert elsewhere.json()["error"]["fields"][0]["field"] == "tenant"
    assert codes("search=dispute") == {"OTHER-1"}
    assert codes("updated_since=2000-01-01T00:00:00Z") == {"ACME-1", "OTHER-1"}
    assert [p["code"] for p in client.get("/api/v1/projects/?ordering=code").json()["results"]] == [
        "ACME-1",
        "OTHER-1",
    ]


def test_bad_filter_values_are_400_naming_the_field(api, people):
    response = api(people["viewer"]).get("/api/v1/projects/?stage=moon&updated_since=yesterday")
    assert response.status_code == 400
    fields = {item["field"] for item in response.json()["error"]["fields"]}
    assert fields == {"stage", "updated_since"}


def test_cursor_pages_and_constant_queries(api, tenant, people):
    client = api(people["viewer"])
    ProjectFactory.create_batch(5, tenant=tenant)
    with CaptureQueriesContext(connection) as small:
        page = client.get("/api/v1/projects/?page_size=2").json()
    assert len(page["results"]) == 2
    seen = {p["id"] for p in page["results"]}
    while page["next"]:
        page = client.get(page["next"]).json()
        seen |= {p["id"] for p in page["results"]}
    assert len(seen) == 5
    ProjectFactory.create_batch(60, tenant=tenant)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/projects/?page_size=50").json()["results"]) == 50
    assert len(large.captured_queries) == len(small.captured_queries)


def _cold_list_queries(client, query) -> tuple[int, list]:
    """How many queries one list request runs, and the rows it answers."""
    with CaptureQueriesContext(connection) as queries:
        results = client.get(f"/api/v1/projects/?{query}").json()["results"]
    return len(queries.captured_queries), results


def test_list_queries_are_as_many_for_many_clients_and_rows_as_for_one(api, tenant, people, project):
    one_client, one_row = _cold_list_queries(api(people["lead"]), "page_size=1")
    many = UserFactory(username="lead-of-many")
    clients = [tenant, *TenantFactory.create_batch(4)]
    for client_tenant in clients:
        MembershipFactory(tenant=client_tenant, user=many, role=Role.DELIVERY_LEAD)
        for built in ProjectFactory.create_batch(12, tenant=client_tenant, delivery_lead=many):
            ticket_link(project=built, actor=many, system="jira", key=f"{built.code}-T")
    assessments_run(list(Project.objects.values_list("pk", flat=True)))
    many_clients, many_rows = _cold_list_queries(api(many), "page_size=50")
    assert len(one_row) == 1
    assert len(many_rows) == 50
    assert {row["tenant"] for row in many_rows} == {client_tenant.slug for client_tenant in clients}
    assert all(row["tickets"] and row["readiness_status"] for row in many_rows)
    assert many_clients == one_client


def test_list_answers_each_project_as_its_own_page_does_without_building_one(api, tenant, people, project):
    plain = ProjectFactory(tenant=tenant, code="ACME-2")
    # Linked in this order, so that their ids and their keys sort differently.
    ticket_link(project=project, actor=people["lead"], system="jira", key="ZZ-9", url="https://jira.example/ZZ-9")
    ticket_link(project=project, actor=people["lead"], system="jira", key="AA-1")
    assessments_run([project.pk])
    client = api(people["viewer"])
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    for model in (Project, TicketReference):
        post_init.connect(count, sender=model)
    try:
        listed = client.get("/api/v1/projects/?ordering=code").json()["results"]
    finally:
        for model in (Project, TicketReference):
            post_init.disconnect(count, sender=model)
    assert built == []
    assert [row["code"] for row in listed] == ["ACME-1", "ACME-2"]
    assert [ticket["key"] for ticket in listed[0]["tickets"]] == ["ZZ-9", "AA-1"]
    assert [row["delivery_lead"] for row in listed] == ["lead", None]
    assert [row["readiness_status"] is None for row in listed] == [False, True]
    for row, one in zip(listed, (project, plain), strict=True):
        detail = client.get(f"/api/v1/projects/{one.pk}/").json()
        assert row == {name: detail[name] for name in row}


def test_detail_leads_with_the_deployment_card_and_has_an_etag(api, people, project):
    response = api(people["viewer"]).get(f"/api/v1/projects/{project.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert next(iter(body)) == "deployment_card"
    assert body["deployment_card"]["who_controls_it"].startswith("The delivery organisation")
    assert body["profile"]["data_sensitivity"] == "internal"
    assert response["ETag"]


def test_patch_with_a_stale_etag_is_412_and_changes_nothing(api, people, project):
    client = api(people["lead"])
    etag = client.get(f"/api/v1/projects/{project.pk}/")["ETag"]
    response = client.patch(f"/api/v1/projects/{project.pk}/", {"name": "First"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    stale = client.patch(f"/api/v1/projects/{project.pk}/", {"name": "Second"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    project.refresh_from_db()
    assert project.name == "First"
    event = AuditEvent.objects.get(action="project.updated")
    assert event.source == "api"


def test_validation_errors_name_field_and_rule_and_change_nothing(api, people, project):
    response = api(people["lead"]).patch(
        f"/api/v1/projects/{project.pk}/",
        {"name": "Renamed", "profile": {"peak_ratio": "0.5", "residency": "strict"}},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    # Named where the body gave them, as the profile's JSON type errors are.
    assert {(f["field"], f["code"]) for f in error["fields"]} >= {("profile.peak_ratio", "min_value")}
    assert "profile.residency_region" in {f["field"] for f in error["fields"]}
    project.refresh_from_db()
    assert project.name != "Renamed", "the name change rolled back with the profile"
    assert not AuditEvent.objects.filter(action__startswith="project.").exists()


@pytest.mark.parametrize(
    ("profile", "field", "code"),
    [
        ({"monthly_requests": -1}, "profile.monthly_requests", "min_value"),
        ({"monthly_requests": "7"}, "profile.monthly_requests", "invalid"),
        ({"favourite_colour": "blue"}, "profile.favourite_colour", "invalid"),
    ],
    ids=str,
)
def test_a_profile_answer_is_named_where_the_body_gave_it_in_a_create_and_a_change(
    api, people, project, profile, field, code
):
    """Whichever rule refuses it (the JSON type, the field's bounds, an unknown name), a profile
    answer's error names ``profile.<field>``, in a project's creation and in its change alike."""
    client = api(people["lead"])
    created = client.post(
        "/api/v1/projects/", {"tenant": "acme", "name": "N", "code": "NEW-1", "profile": profile}, format="json"
    )
    changed = client.patch(f"/api/v1/projects/{project.pk}/", {"profile": profile}, format="json")
    for response in (created, changed):
        assert response.status_code == 400, response.json()
        assert {(f["field"], f["code"]) for f in response.json()["error"]["fields"]} == {(field, code)}
    assert not Project.objects.filter(code="NEW-1").exists()
    assert not AuditEvent.objects.filter(action__startswith="project.").exists()


def test_engineer_may_not_rename_but_viewer_may_not_touch(api, people, project):
    assert (
        api(people["engineer"]).patch(f"/api/v1/projects/{project.pk}/", {"name": "X"}, format="json").status_code
        == 403
    )
    assert (
        api(people["engineer"])
        .patch(f"/api/v1/projects/{project.pk}/", {"hosting_approach": "self_hosted_cloud"}, format="json")
        .status_code
        == 200
    )
    response = api(people["viewer"]).patch(
        f"/api/v1/projects/{project.pk}/", {"hosting_approach": "cloud_api"}, format="json"
    )
    assert response.status_code == 403


def test_create_project_through_the_api(api, people, tenant):
    client = api(people["lead"])
    response = client.post(
        "/api/v1/projects/",
        {"tenant": "acme", "name": "Claims", "code": "CLM-9", "profile": {"monthly_requests": 1000}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["profile"]["monthly_requests"] == 1000
    duplicate = client.post("/api/v1/projects/", {"tenant": "acme", "name": "Again", "code": "CLM-9"}, format="json")
    assert duplicate.status_code == 400
    assert [item["field"] for item in duplicate.json()["error"]["fields"]] == ["code"]
    assert (
        client.post("/api/v1/projects/", {"tenant": "nope", "name": "N", "code": "NN-1"}, format="json").status_code
        == 404
    )


def test_idempotent_posts_replay_and_refuse_a_different_body(api, people, project):
    client = api(people["lead"])
    first = client.post(
        "/api/v1/approval-requests/", {"project": project.pk, "note": "Go"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        "/api/v1/approval-requests/", {"project": project.pk, "note": "Go"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ApprovalRequest.objects.count() == 1
    other = client.post(
        "/api/v1/approval-requests/",
        {"project": project.pk, "note": "Other"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    # Keys belong to their caller: someone else may use the same key.
    assert (
        api(people["lead2"])
        .post("/api/v1/approval-requests/", {"project": project.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        .status_code
        == 400
    )  # their own request: refused because one is pending, not replayed


def test_request_and_approve_promotion_including_a_relayed_decision(api, people, project, tenant):
    lead = api(people["lead"])
    created = lead.post("/api/v1/approval-requests/", {"project": project.pk, "note": "POC done"}, format="json")
    request_id = created.json()["id"]
    bot = service_account_create(tenant=tenant, username="jira-bot", role=Role.CUSTOMER_VIEWER)
    relay = api(bot, scopes=("read", "approve"))
    response = relay.post(
        f"/api/v1/approval-requests/{request_id}/approve/",
        {"on_behalf_of": "approver", "comment": "Approved in JIRA-7"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["decisions"][0]["approver"] == "approver"
    assert body["decisions"][0]["relayed_by"] == "jira-bot"
    project.refresh_from_db()
    assert project.stage == Stage.PROOF_OF_CONCEPT
    history = lead.get(f"/api/v1/projects/{project.pk}/stage-history/").json()
    assert [move["to_stage"] for move in history] == ["proof_of_concept"]


def test_only_service_accounts_relay(api, people, project):
    created = api(people["lead"]).post("/api/v1/approval-requests/", {"project": project.pk}, format="json").json()
    response = api(people["approver2"]).post(
        f"/api/v1/approval-requests/{created['id']}/approve/", {"on_behalf_of": "approver"}, format="json"
    )
    assert response.status_code == 403


def test_reject_needs_a_comment_and_cancel_is_for_the_requester(api, people, project):
    created = api(people["lead"]).post("/api/v1/approval-requests/", {"project": project.pk}, format="json").json()
    url = f"/api/v1/approval-requests/{created['id']}"
    response = api(people["approver"]).post(f"{url}/reject/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == "comment"
    assert api(people["lead2"]).post(f"{url}/cancel/", {}, format="json").status_code == 403
    assert api(people["lead"]).post(f"{url}/cancel/", {}, format="json").json()["status"] == "cancelled"


def test_stage_actions(api, people, project):
    Project.objects.filter(pk=project.pk).update(stage=Stage.PILOT)
    client = api(people["lead"])
    assert client.post(f"/api/v1/projects/{project.pk}/pause/", {}, format="json").status_code == 400
    paused = client.post(f"/api/v1/projects/{project.pk}/pause/", {"reason": "Hold"}, format="json")
    assert paused.json()["stage"] == "paused"
    project.refresh_from_db()
    assert project.stage == Stage.PAUSED
    response = client.post(
        f"/api/v1/projects/{project.pk}/rollback/", {"to_stage": "discovery", "reason": "Redo"}, format="json"
    )
    assert response.status_code == 200
    assert client.post(f"/api/v1/projects/{project.pk}/retire/", {"reason": "Ended"}, format="json").status_code == 200
    project.refresh_from_db()
    assert project.stage == Stage.RETIRED


def test_run_an_assessment_returns_202_and_a_job(api, people, project):
    client = api(people["lead"])
    response = client.post(f"/api/v1/projects/{project.pk}/assessments/", {}, format="json")
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "queued"
    assert response["Location"] == f"/api/v1/jobs/{job['id']}/"
    assert client.get(f"/api/v1/jobs/{job['id']}/").status_code == 200
    assert (
        api(people["viewer"]).post(f"/api/v1/projects/{project.pk}/assessments/", {}, format="json").status_code == 403
    )


def test_audit_events_for_admins_with_csv_export(api, people, project):
    api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/", {"name": "Audité 監査"}, format="json")
    admin = api(people["admin"])
    events = admin.get("/api/v1/audit-events/?action=project.updated").json()["results"]
    assert [event["action"] for event in events] == ["project.updated"]
    export = admin.get("/api/v1/audit-events/export/?action=project.updated")
    # The charset is declared: without it a spreadsheet guesses (often Latin-1) and garbles names.
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    lines = b"".join(export.streaming_content).decode("utf-8").splitlines()
    assert lines[0].startswith("id,created_at,tenant")
    assert len(lines) == 2
    assert "Audité 監査" in lines[1]
    assert api(people["viewer"]).get("/api/v1/audit-events/").json()["results"] == []


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/?format=json").json()["openapi"].startswith("3.")
    assert client.get("/api/docs/").status_code == 200


def test_updated_since_with_any_valid_offset(api, people, project):
    response = api(people["viewer"]).get("/api/v1/projects/?updated_since=0314-04-02T17:02:18.5-20:36")
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["results"]] == ["ACME-1"]


def test_a_tool_lists_the_requests_waiting_for_its_person_s_decision(api, tenant, people):
    """``?waiting_for_me=true`` is the approval inbox (``projects.selectors.waiting_for``) over the API."""
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=2)
    first = approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    decided = approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    approval_decide(request=decided, actor=people["approver"], verdict="approve")
    url = "/api/v1/approval-requests/"

    def ids(user, **query):
        response = api(user).get(url, query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(people["approver"], waiting_for_me="true") == {first.pk}
    assert ids(people["approver"], waiting_for_me="true") == {r.pk for r in approval_inbox(user=people["approver"])}
    assert ids(people["approver"], waiting_for_me="false") == {decided.pk}
    assert ids(people["approver2"], waiting_for_me="true") == {first.pk, decided.pk}
    assert ids(people["lead"], waiting_for_me="true") == set(), "four-eyes: not their own"
    assert ids(people["outsider"], waiting_for_me="true") == set()
    refused = api(people["approver"]).get(url, {"waiting_for_me": "maybe"})
    assert refused.status_code == 400, refused.json()
    assert [item["field"] for item in refused.json()["error"]["fields"]] == ["waiting_for_me"]
