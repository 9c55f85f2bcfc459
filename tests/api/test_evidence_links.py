"""A project's evidence links over the API (issue 16, parity): listed by whoever sees the project,
added and removed by engineers and delivery leads, through the same services as the project's
evidence page (``evidence_add`` / ``evidence_remove``); shown in the project's representation.
Not the stage-gate evidence of ``/projects/{id}/evidence/``."""

import pytest
from django.urls import reverse

from assessments.models import GateEvidence
from audit.models import AuditEvent
from projects.models import EvidenceLink
from projects.services.projects import evidence_add
from tenancy.models import Role
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db

PRESS = {"kind": "press", "title": "Launch article", "url": "https://news.example.org/launch"}


def url(project, pk=None):
    base = f"/api/v1/projects/{project.pk if hasattr(project, 'pk') else project}/evidence-links/"
    return base if pk is None else f"{base}{pk}/"


def state():
    """Everything a refused request must leave as it was."""
    return list(EvidenceLink.objects.order_by("pk").values()), AuditEvent.objects.filter(
        action__startswith="evidence."
    ).count()


def fields_of(response) -> list[str]:
    return [item["field"] for item in response.json()["error"]["fields"]]


@pytest.mark.parametrize("who", ["lead", "engineer"])
def test_evidence_is_added_listed_shown_with_the_project_and_removed(api, people, project, who):
    client = api(people[who])
    assert client.get(f"/api/v1/projects/{project.pk}/").json()["evidence_links"] == []  # now cached
    added = client.post(url(project), PRESS, format="json")
    assert added.status_code == 201, added.json()
    link = added.json()
    assert {k: link[k] for k in ("kind", "title", "url", "reference")} == {**PRESS, "reference": ""}
    assert added["ETag"]
    contract = client.post(url(project), {"kind": "contract", "title": "MSA", "reference": "C-2041"}, format="json")
    assert contract.status_code == 201, contract.json()
    assert contract.json()["url"] == ""

    assert [item["title"] for item in client.get(url(project)).json()] == ["Launch article", "MSA"]
    one = client.get(url(project, link["id"]))
    assert one.status_code == 200
    assert one.json() == link
    detail = client.get(f"/api/v1/projects/{project.pk}/").json()
    assert [item["id"] for item in detail["evidence_links"]] == [link["id"], contract.json()["id"]]
    assert "Press: Launch article" in detail["deployment_card"]["evidence"]

    before = state()
    stale = client.delete(url(project, link["id"]), HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    assert state() == before
    assert client.delete(url(project, link["id"]), HTTP_IF_MATCH=one["ETag"]).status_code == 204
    assert [item["title"] for item in client.get(url(project)).json()] == ["MSA"]
    assert client.get(url(project, link["id"])).status_code == 404
    assert [item["title"] for item in client.get(f"/api/v1/projects/{project.pk}/").json()["evidence_links"]] == ["MSA"]
    events = AuditEvent.objects.filter(project_id=project.pk, action__startswith="evidence.")
    assert sorted(events.values_list("action", "source")) == [
        ("evidence.added", "api"),
        ("evidence.added", "api"),
        ("evidence.removed", "api"),
    ]
    # The stage-gate evidence is another thing: nothing was recorded there.
    assert not GateEvidence.objects.exists()


def test_the_page_and_the_api_are_one_service(api, client, people, project):
    """Added on the page, listed and removed through the API; added through the API, removed on
    the page: the same rows and the same audited actions, only their source differs."""
    client.force_login(people["lead"])
    page = client.post(
        reverse("project-evidence", args=[project.pk]),
        {"evidence-kind": "case_study", "evidence-title": "Case study", "evidence-url": "https://example.org/cs"},
    )
    assert page.status_code == 302
    tool = api(people["lead"])
    listed = tool.get(url(project)).json()
    assert [(item["kind"], item["title"], item["url"]) for item in listed] == [
        ("case_study", "Case study", "https://example.org/cs")
    ]
    from_api = tool.post(url(project), PRESS, format="json").json()
    assert tool.delete(url(project, listed[0]["id"])).status_code == 204
    removed = client.post(reverse("project-evidence-remove", args=[project.pk, from_api["id"]]))
    assert removed.status_code == 302
    assert not EvidenceLink.objects.exists()
    events = AuditEvent.objects.filter(project_id=project.pk, action__startswith="evidence.").order_by("pk")
    assert list(events.values_list("action", "source")) == [
        ("evidence.added", "web"),
        ("evidence.added", "api"),
        ("evidence.removed", "api"),
        ("evidence.removed", "web"),
    ]


def test_readers_may_list_but_not_add_or_remove_and_learn_nothing_from_the_body(api, people, project):
    link = evidence_add(project=project, actor=people["lead"], kind="press", title="Launch article")
    before = state()
    for who in ("viewer", "approver", "admin"):
        client = api(people[who])
        assert [item["id"] for item in client.get(url(project)).json()] == [link.pk]
        refused = client.post(url(project), {"kind": "bogus"}, format="json")
        assert refused.status_code == 403, who
        assert refused.json()["error"]["fields"] == []
        assert client.delete(url(project, link.pk)).status_code == 403
    # A token without the write scope may not write, whatever its holder's role.
    read_only = api(people["lead"], scopes=("read",))
    assert read_only.post(url(project), PRESS, format="json").status_code == 403
    assert read_only.delete(url(project, link.pk)).status_code == 403
    assert state() == before


def test_another_clients_project_or_link_answers_like_an_unknown_one(api, people, project):
    initech = TenantFactory(slug="initech")
    elsewhere = ProjectFactory(tenant=initech)
    their_lead = member(initech, Role.DELIVERY_LEAD, username="initech-lead")
    theirs = evidence_add(project=elsewhere, actor=their_lead, kind="press", title="Their secret")
    other_of_ours = evidence_add(
        project=ProjectFactory(tenant=project.tenant), actor=people["lead"], kind="press", title="Sibling"
    )
    client = api(people["lead"])
    before = state()
    pairs = [
        (client.get(url(elsewhere)), client.get(url(987654321))),
        (client.post(url(elsewhere), PRESS, format="json"), client.post(url(987654321), PRESS, format="json")),
        (client.get(url(elsewhere, theirs.pk)), client.get(url(987654321, theirs.pk))),
        (client.delete(url(elsewhere, theirs.pk)), client.delete(url(987654321, theirs.pk))),
        # Another project's link through our project's address does not exist either.
        (client.delete(url(project, theirs.pk)), client.delete(url(project, 987654321))),
        (client.get(url(project, other_of_ours.pk)), client.get(url(project, 987654321))),
    ]
    for foreign, unknown in pairs:
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.content == unknown.content
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"kind": "tweet", "title": "T"}, "kind", "invalid_choice"),
        ({"kind": "press"}, "title", "required"),
        ({"kind": "press", "title": ""}, "title", "blank"),
        ({"kind": "press", "title": "T" * 201}, "title", "max_length"),
        ({"kind": "press", "title": "T", "url": "not a link"}, "url", "invalid"),
        ({"kind": "press", "title": "T", "reference": "R" * 201}, "reference", "max_length"),
        ({"kind": "press", "title": "T", "url": None}, "url", "null"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_adds_nothing(api, people, project, body, field, code):
    before = state()
    refused = api(people["lead"]).post(url(project), body, format="json")
    assert refused.status_code == 400
    assert fields_of(refused) == [field]
    assert refused.json()["error"]["fields"][0]["code"] == code
    assert state() == before


def test_a_retried_add_answers_the_same_and_adds_once(api, people, project):
    client = api(people["engineer"])
    first = client.post(url(project), PRESS, format="json", HTTP_IDEMPOTENCY_KEY="AI-42-evidence")
    again = client.post(url(project), PRESS, format="json", HTTP_IDEMPOTENCY_KEY="AI-42-evidence")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert EvidenceLink.objects.count() == 1
    assert AuditEvent.objects.filter(action="evidence.added").count() == 1
