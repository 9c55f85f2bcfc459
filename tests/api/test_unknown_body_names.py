"""A body's names are its fields, and a text choice is text.

A name that is no field the endpoint takes (misspelt, or read only: sent back from what was read)
is a 400 naming it, with the rest of the body's errors, and nothing changes: DRF ignored it and
answered 200, so a client that misspelt ``title`` saw its write succeed. A value that is not a JSON
string for a text choice is a 400 naming it in the words of every other text field, wherever the
choice is: a body's own field, an object passed on to a service (``FieldsObject``, ``ObjectField``).
The walk over every operation with a body is in test_bad_input.py.
"""

import datetime

import pytest
from rest_framework import serializers

from api.serializers import TEXT, UNKNOWN_FIELD, json_type_problem
from audit.models import AuditEvent
from deployments.models import RoutingRule
from projects.models import ApprovalPolicy, FreezeWindow, HostingApproach, Project
from projects.services.policies import freeze_window_save, policy_save
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

CERTIFICATION = {
    "provider": "aws",
    "region": "eu-west-1",
    "certification": "iso_27001",
    "verified_on": "2026-01-05",
    "source": "https://aws.example.com/compliance",
}
RULE = {"condition_kind": "data_class", "data_class": "regulated", "destination": "self_hosted", "share_percent": 100}


def _refused(response, *names) -> dict:
    assert response.status_code == 400, response.content[:500]
    fields = {item["field"]: item for item in response.json()["error"]["fields"]}
    assert set(names) <= set(fields), fields
    return fields


@pytest.fixture
def policy(tenant, people):
    return policy_save(tenant=tenant, actor=people["admin"], target_stage="production", required_approvals=1)


@pytest.fixture
def window(tenant, people):
    return freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Year end",
        kind="weekly",
        start_weekday=0,
        end_weekday=1,
        start_time=datetime.time(9),
        end_time=datetime.time(17),
    )


# --- A name that is no field ----------------------------------------------------------------


def test_a_misspelt_field_of_an_otherwise_good_write_is_refused_and_nothing_changes(
    api, people, project, policy, window
):
    admin, lead, platform = api(people["admin"]), api(people["lead"]), api(people["platform"])
    rows = (ApprovalPolicy, FreezeWindow, Project, WebhookEndpoint)
    before = [list(model.objects.values()) for model in rows], AuditEvent.objects.count()
    writes = [
        admin.post(
            "/api/v1/approval-policies/", {"tenant": "acme", "required_approvals": 2, "titel": 1}, format="json"
        ),
        admin.patch(f"/api/v1/approval-policies/{policy.pk}/", {"expiry_hours": 5, "titel": 1}, format="json"),
        admin.post(
            "/api/v1/freeze-windows/", {"tenant": "acme", "name": "p", "kind": "one_off", "titel": 1}, format="json"
        ),
        admin.patch(f"/api/v1/freeze-windows/{window.pk}/", {"name": "Renamed", "titel": 1}, format="json"),
        platform.post("/api/v1/certifications/", {**CERTIFICATION, "titel": 1}, format="json"),
        lead.patch(f"/api/v1/projects/{project.pk}/", {"name": "Renamed", "titel": 1}, format="json"),
        lead.post(
            f"/api/v1/projects/{project.pk}/evidence-links/",
            {"kind": "contract", "title": "Signed", "url": "https://example.com/c", "titel": 1},
            format="json",
        ),
        lead.post(f"/api/v1/projects/{project.pk}/pause/", {"reason": "Budget", "titel": 1}, format="json"),
    ]
    for response in writes:
        fields = _refused(response, "titel")
        assert list(fields) == ["titel"], fields  # the rest of each body is good
        assert (fields["titel"]["code"], fields["titel"]["message"]) == ("invalid", UNKNOWN_FIELD)
    assert ([list(model.objects.values()) for model in rows], AuditEvent.objects.count()) == before


def test_the_same_write_without_the_misspelt_name_is_taken(api, people, project, policy, window):
    """The refusals above are the unknown name's alone."""
    admin = api(people["admin"])
    assert admin.patch(f"/api/v1/approval-policies/{policy.pk}/", {"expiry_hours": 5}, format="json").status_code == 200
    assert admin.patch(f"/api/v1/freeze-windows/{window.pk}/", {"name": "Renamed"}, format="json").status_code == 200
    changed = api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/", {"name": "Renamed"}, format="json")
    assert changed.status_code == 200, changed.json()


def test_a_read_only_field_sent_back_is_refused_by_name_not_ignored(api, people, project, settings):
    """A client that sends ``stage`` means to change it, which a PATCH does not: refused, as every
    name the request body's schema does not list."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    admin, lead = api(people["admin"]), api(people["lead"])
    hook = admin.post("/api/v1/webhooks/", {"tenant": "acme", "url": "http://127.0.0.1:9/hook"}, format="json")
    assert hook.status_code == 201, hook.json()
    read = admin.get(f"/api/v1/webhooks/{hook.json()['id']}/").json()
    before = list(WebhookEndpoint.objects.values())
    sent_back = {**read, "description": "Changed"}
    response = admin.patch(f"/api/v1/webhooks/{read['id']}/", sent_back, format="json")
    fields = _refused(response, "id", "created_at", "consecutive_failures")
    assert "description" not in fields
    assert list(WebhookEndpoint.objects.values()) == before
    stage = lead.patch(f"/api/v1/projects/{project.pk}/", {"stage": "production"}, format="json")
    assert list(_refused(stage, "stage")) == ["stage"]
    assert Project.objects.get(pk=project.pk).stage == project.stage


def test_a_name_that_is_no_field_of_an_object_in_a_list_is_named_by_its_place(api, people):
    response = api(people["lead"]).post(
        "/api/v1/projects/",
        {
            "tenant": "acme",
            "name": "New",
            "code": "NEW-1",
            "tickets": [{"system": "jira", "key": "AI-1"}, {"system": "jira", "key": "AI-2", "sistem": "jira"}],
        },
        format="json",
    )
    fields = _refused(response, "tickets.1.sistem")
    assert fields["tickets.1.sistem"]["message"] == UNKNOWN_FIELD
    assert not Project.objects.filter(code="NEW-1").exists()


def test_unknown_names_are_said_with_the_bodys_other_errors(api, people, policy):
    response = api(people["admin"]).patch(
        f"/api/v1/approval-policies/{policy.pk}/", {"expiry_hours": "many", "titel": 1}, format="json"
    )
    assert set(_refused(response, "titel", "expiry_hours")) == {"titel", "expiry_hours"}


# --- A text choice takes text ---------------------------------------------------------------


@pytest.mark.parametrize("value", [{}, {"contract": 1}, [], ["contract"], 7, True])
def test_a_text_choice_of_a_body_takes_a_json_string_only(api, people, project, value):
    response = api(people["lead"]).post(
        f"/api/v1/projects/{project.pk}/evidence-links/",
        {"kind": value, "title": "Signed", "url": "https://example.com/c"},
        format="json",
    )
    fields = _refused(response, "kind")
    assert (fields["kind"]["code"], fields["kind"]["message"]) == ("invalid", TEXT)
    assert not project.evidence_links.exists()


@pytest.mark.parametrize("name", ["condition_kind", "data_class", "destination"])
@pytest.mark.parametrize("value", [{}, {"data_class": 1}, [], ["self_hosted"], 7])
def test_a_routing_rules_text_choice_takes_a_json_string_only(api, people, project, name, value):
    """A rule is passed on as sent (``ObjectField``): the service never saw it was not text."""
    Project.objects.filter(pk=project.pk).update(hosting_approach=HostingApproach.HYBRID)
    lead = api(people["lead"])
    events = AuditEvent.objects.count()
    response = lead.put(
        f"/api/v1/projects/{project.pk}/routing-rules/", {"rules": [{**RULE, name: value}]}, format="json"
    )
    fields = _refused(response, f"rules.0.{name}")
    assert fields[f"rules.0.{name}"]["message"] == TEXT
    assert not RoutingRule.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_routing_rule_as_a_json_string_is_taken(api, people, project):
    Project.objects.filter(pk=project.pk).update(hosting_approach=HostingApproach.HYBRID)
    response = api(people["lead"]).put(
        f"/api/v1/projects/{project.pk}/routing-rules/", {"rules": [RULE]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert RoutingRule.objects.get().destination == "self_hosted"


def test_json_type_problem_takes_text_for_a_text_choice_and_a_list_for_several():
    text = serializers.ChoiceField(choices=["a", "b"])
    numbered = serializers.ChoiceField(choices=[(1, "one"), (2, "two")])
    several = serializers.MultipleChoiceField(choices=["a", "b"])
    assert [json_type_problem(text, value) for value in ("a", "zz", None)] == [None, None, None]
    assert {json_type_problem(text, value) for value in ({}, [], ["a"], 1, 1.5, True)} == {TEXT}
    assert json_type_problem(numbered, 2) is None
    assert json_type_problem(numbered, "2") is not None
    assert json_type_problem(several, ["a"]) is None


@pytest.mark.parametrize("tenant_slug", ["globex", "no-such-client"])
def test_a_patch_that_moves_a_setting_to_another_client_or_stage_is_refused_not_ignored(
    api, people, policy, window, tenant_slug
):
    """A policy and a freeze window stay with the client (and the policy with the stage) they were
    made for: a PATCH naming another is a 400 naming the field, an unknown client the same as
    another's, and nothing changes. Repeating the current ones, as read, is taken."""
    admin = api(people["admin"])
    before = (list(ApprovalPolicy.objects.values()), list(FreezeWindow.objects.values()), AuditEvent.objects.count())
    moved = admin.patch(
        f"/api/v1/approval-policies/{policy.pk}/",
        {"tenant": tenant_slug, "target_stage": "pilot", "expiry_hours": 5},
        format="json",
    )
    fields = _refused(moved, "tenant", "target_stage")
    assert fields["tenant"]["message"].startswith("A setting stays with the client it was made for")
    assert fields["target_stage"]["message"].startswith("A policy keeps the stage it was made for")
    window_moved = admin.patch(f"/api/v1/freeze-windows/{window.pk}/", {"tenant": tenant_slug}, format="json")
    assert list(_refused(window_moved, "tenant")) == ["tenant"]
    assert (
        list(ApprovalPolicy.objects.values()),
        list(FreezeWindow.objects.values()),
        AuditEvent.objects.count(),
    ) == before
    read = admin.get(f"/api/v1/approval-policies/{policy.pk}/").json()
    same = {"tenant": read["tenant"], "target_stage": read["target_stage"], "expiry_hours": 5}
    assert admin.patch(f"/api/v1/approval-policies/{policy.pk}/", same, format="json").status_code == 200
    same_window = {"tenant": read["tenant"], "name": "Renamed"}
    assert admin.patch(f"/api/v1/freeze-windows/{window.pk}/", same_window, format="json").status_code == 200
