"""The client's sign-offs of its customer-cloud environment over the API (issue 16, parity):
``POST /api/v1/projects/{id}/environment/sign-off/`` with ``{"kind"}``, through the same service
as the project page's buttons (``environment_sign_off``), with the same rule of who may sign: a
person who speaks for the client (its customer admins and approvers, or a platform admin), never
a service account in its own name; with the ``approve`` scope, as for the client's other decisions.
A ticketing tool's service account relays such a person's sign-off with ``on_behalf_of``, exactly as
it relays an approval (the same checks, the same answers)."""

import pytest
from django.urls import reverse

from api.serializers import TEXT
from audit.models import AuditEvent
from audit.sentences import describe
from deployments.models import CustomerCloudEnvironment
from deployments.services import SIGN_OFF_UNKNOWN, environment_update
from projects.models import DeploymentModel, Project
from tenancy.models import Role
from tenancy.services import service_account_create
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db

FACTS = {
    "provider": "aws",
    "account_id": "1234-5678-9012",
    "regions": ["eu-west-1"],
    "residency_regions": ["EU"],
    "access_pattern": "Client IAM role through the client's SSO",
    "network_isolation": "private_endpoints",
}


def url(project):
    return f"/api/v1/projects/{project.pk if hasattr(project, 'pk') else project}/environment/sign-off/"


def customer_cloud(project, people, **facts):
    environment_update(project=project, actor=people["lead"], **(facts or FACTS))
    Project.objects.filter(pk=project.pk).update(deployment_model=DeploymentModel.CUSTOMER_CLOUD)
    return project


def state():
    """Everything a refused sign-off must leave as it was."""
    return (
        list(CustomerCloudEnvironment.objects.order_by("pk").values()),
        AuditEvent.objects.filter(action="environment.signed_off").count(),
    )


def fields_of(response) -> list[tuple[str, str, str]]:
    return [(item["field"], item["code"], item["message"]) for item in response.json()["error"]["fields"]]


@pytest.mark.parametrize(
    ("who", "kind", "by", "at"),
    [
        ("approver", "access_pattern", "access_approved_by", "access_approved_at"),
        ("admin", "data_residency", "residency_confirmed_by", "residency_confirmed_at"),
        ("platform", "access_pattern", "access_approved_by", "access_approved_at"),
    ],
)
def test_the_clients_people_sign_off_and_get_the_project_back(api, people, project, who, kind, by, at):
    customer_cloud(project, people)
    client = api(people[who])
    tag = client.get(f"/api/v1/projects/{project.pk}/")["ETag"]
    signed = client.post(url(project), {"kind": kind}, format="json", HTTP_IF_MATCH=tag)
    assert signed.status_code == 200, signed.json()
    environment = signed.json()["environment"]
    assert environment[by] == people[who].username
    assert environment[at]
    assert signed["ETag"] == client.get(f"/api/v1/projects/{project.pk}/")["ETag"] != tag
    [event] = AuditEvent.objects.filter(action="environment.signed_off")
    assert (event.source, event.actor_id, event.after["kind"]) == ("api", people[who].pk, kind)
    assert describe(event).endswith(f"signed off the {kind.replace('_', ' ')} for the client.")


def test_the_page_and_the_api_are_one_service(api, client, people, project):
    """Signed on the page, read through the API; signed through the API, shown on the page."""
    customer_cloud(project, people)
    client.force_login(people["approver"])
    assert client.post(reverse("project-sign-off", args=[project.pk, "access_pattern"])).status_code == 302
    tool = api(people["admin"])
    environment = tool.get(f"/api/v1/projects/{project.pk}/").json()["environment"]
    assert environment["access_approved_by"] == "approver"
    assert tool.post(url(project), {"kind": "data_residency"}, format="json").status_code == 200
    page = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert f"Signed by {people['admin']}" in page
    events = AuditEvent.objects.filter(action="environment.signed_off").order_by("pk")
    assert [(event.source, event.after["kind"]) for event in events] == [
        ("web", "access_pattern"),
        ("api", "data_residency"),
    ]


@pytest.mark.parametrize("who", ["lead", "engineer", "viewer"])
def test_the_delivery_side_and_viewers_are_refused_before_the_body_is_read(api, people, project, who):
    customer_cloud(project, people)
    before = state()
    client = api(people[who])
    for body in ({"kind": "access_pattern"}, {"kind": "everything"}, {}):
        refused = client.post(url(project), body, format="json")
        assert refused.status_code == 403, (who, body)
        assert refused.json()["error"]["message"] == (
            "Only the client's admins or approvers can sign off their environment."
        )
        assert refused.json()["error"]["fields"] == []
    assert state() == before


def test_a_service_account_may_not_sign_off_whatever_its_role_and_scopes(api, tenant, people, project):
    """A sign-off is a person's word: a ticketing tool relays it (below), it does not sign for the client."""
    customer_cloud(project, people)
    bot = service_account_create(tenant=tenant, username="jira-bridge", role=Role.CUSTOMER_APPROVER)
    before = state()
    refused = api(bot).post(url(project), {"kind": "access_pattern"}, format="json")
    assert refused.status_code == 403
    assert state() == before


def test_the_approve_scope_is_needed(api, people, project):
    customer_cloud(project, people)
    before = state()
    for scopes in (("read",), ("read", "write")):
        refused = api(people["approver"], scopes=scopes).post(url(project), {"kind": "access_pattern"}, format="json")
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "This token's scopes do not allow this request."
    assert state() == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kind": "everything"}, [("kind", "invalid_choice", SIGN_OFF_UNKNOWN)]),
        ({}, [("kind", "required", "This field is required.")]),
        # Not text at all: a text choice takes a JSON string (``api.serializers.json_type_problem``).
        ({"kind": ["access_pattern"]}, [("kind", "invalid", TEXT)]),
    ],
)
def test_an_unknown_kind_is_a_400_naming_kind_with_the_pages_words(api, people, project, body, expected):
    customer_cloud(project, people)
    before = state()
    refused = api(people["approver"]).post(url(project), body, format="json")
    assert refused.status_code == 400
    assert fields_of(refused) == expected
    assert state() == before


def test_a_fact_not_recorded_cannot_be_signed_and_is_named(api, people, project):
    customer_cloud(project, people, **{**FACTS, "residency_regions": []})
    before = state()
    refused = api(people["approver"]).post(url(project), {"kind": "data_residency"}, format="json")
    assert refused.status_code == 400
    assert fields_of(refused) == [("residency_regions", "required", "Record this before it can be signed off.")]
    assert state() == before
    # A managed project has no environment at all: the same answer.
    managed = ProjectFactory(tenant=project.tenant)
    refused = api(people["approver"]).post(url(managed), {"kind": "access_pattern"}, format="json")
    assert refused.status_code == 400
    assert [field for field, _, _ in fields_of(refused)] == ["access_pattern"]


def test_a_stale_if_match_is_412_and_signs_nothing(api, people, project):
    customer_cloud(project, people)
    client = api(people["approver"])
    tag = client.get(f"/api/v1/projects/{project.pk}/")["ETag"]
    environment_update(project=project, actor=people["lead"], access_pattern="Shared admin account")
    before = state()
    refused = client.post(url(project), {"kind": "access_pattern"}, format="json", HTTP_IF_MATCH=tag)
    assert refused.status_code == 412
    assert state() == before


def test_a_retried_sign_off_answers_the_same_and_is_recorded_once(api, people, project):
    customer_cloud(project, people)
    client = api(people["approver"])
    first = client.post(url(project), {"kind": "access_pattern"}, format="json", HTTP_IDEMPOTENCY_KEY="AI-42-sign")
    again = client.post(url(project), {"kind": "access_pattern"}, format="json", HTTP_IDEMPOTENCY_KEY="AI-42-sign")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="environment.signed_off").count() == 1


def test_another_clients_project_answers_like_an_unknown_one(api, people, project):
    initech = TenantFactory(slug="initech")
    theirs = ProjectFactory(tenant=initech)
    environment_update(project=theirs, actor=member(initech, Role.DELIVERY_LEAD, username="ini-lead"), **FACTS)
    before = state()
    for who in ("approver", "admin"):
        client = api(people[who])
        foreign = client.post(url(theirs), {"kind": "access_pattern"}, format="json")
        unknown = client.post(url(987654321), {"kind": "access_pattern"}, format="json")
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.content == unknown.content
    assert state() == before


RELAY_REFUSED = "Only this client's service accounts can relay a decision on someone's behalf."
NO_SUCH_PERSON = "No active person who can see this project has this username."


@pytest.fixture
def bridge(tenant):
    return service_account_create(tenant=tenant, username="jira-bridge", role=Role.CUSTOMER_VIEWER)


@pytest.mark.parametrize(("who", "kind"), [("approver", "access_pattern"), ("admin", "data_residency")])
def test_a_service_account_relays_the_clients_sign_off(api, people, project, bridge, who, kind):
    customer_cloud(project, people)
    signed = api(bridge, scopes=("read", "approve")).post(
        url(project), {"kind": kind, "on_behalf_of": people[who].username}, format="json"
    )
    assert signed.status_code == 200, signed.json()
    by = "access_approved_by" if kind == "access_pattern" else "residency_confirmed_by"
    assert signed.json()["environment"][by] == people[who].username
    environment = CustomerCloudEnvironment.objects.get(project=project)
    assert getattr(environment, f"{by}_id") == people[who].pk
    [event] = AuditEvent.objects.filter(action="environment.signed_off")
    assert (event.source, event.actor_id, event.after["kind"], event.after["relayed_by"]) == (
        "api",
        people[who].pk,
        kind,
        "jira-bridge",
    )
    assert describe(event).endswith(f"signed off the {kind.replace('_', ' ')} for the client, relayed by jira-bridge.")


def test_a_sign_off_in_ones_own_name_records_no_relay(api, people, project):
    customer_cloud(project, people)
    assert api(people["approver"]).post(url(project), {"kind": "access_pattern"}, format="json").status_code == 200
    [event] = AuditEvent.objects.filter(action="environment.signed_off")
    assert event.after["relayed_by"] is None
    assert "relayed" not in describe(event)


def test_an_unknown_or_another_clients_person_is_the_approve_actions_400(api, people, project, bridge):
    customer_cloud(project, people)
    request = api(people["lead"]).post("/api/v1/approval-requests/", {"project": project.pk}, format="json").json()
    before = state()
    relay = api(bridge, scopes=("read", "approve"))
    answers = set()
    for name in ("nobody-at-all", people["outsider"].username):
        refused = relay.post(url(project), {"kind": "access_pattern", "on_behalf_of": name}, format="json")
        assert refused.status_code == 400
        assert fields_of(refused) == [("on_behalf_of", "invalid", NO_SUCH_PERSON)]
        approve = relay.post(
            f"/api/v1/approval-requests/{request['id']}/approve/", {"on_behalf_of": name}, format="json"
        )
        assert (approve.status_code, approve.json()["error"]) == (400, refused.json()["error"])
        answers.add(refused.content)
    assert len(answers) == 1  # an unknown name and another client's person: the same answer
    assert state() == before


def test_a_relayed_person_who_does_not_speak_for_the_client_is_refused(api, people, project, bridge):
    customer_cloud(project, people)
    before = state()
    for who in ("lead", "viewer"):
        refused = api(bridge).post(url(project), {"kind": "access_pattern", "on_behalf_of": who}, format="json")
        assert refused.status_code == 403
        assert (
            refused.json()["error"]["message"]
            == "Only the client's admins or approvers can sign off their environment."
        )
    assert state() == before


@pytest.mark.parametrize("who", ["approver2", "admin", "lead"])
def test_only_a_service_account_relays_and_is_refused_before_the_body_is_read(api, people, project, who):
    customer_cloud(project, people)
    before = state()
    for body in ({"kind": "access_pattern", "on_behalf_of": "approver"}, {"kind": "everything", "on_behalf_of": "x"}):
        refused = api(people[who]).post(url(project), body, format="json")
        assert refused.status_code == 403, (who, body)
        assert refused.json()["error"]["message"] == RELAY_REFUSED
        assert refused.json()["error"]["fields"] == []
    assert state() == before


def test_a_relay_needs_the_approve_scope(api, people, project, bridge):
    customer_cloud(project, people)
    before = state()
    refused = api(bridge, scopes=("read", "write")).post(
        url(project), {"kind": "access_pattern", "on_behalf_of": "approver"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "This token's scopes do not allow this request."
    assert state() == before


def test_another_clients_service_account_cannot_reach_the_project(api, people, project):
    customer_cloud(project, people)
    theirs = service_account_create(
        tenant=TenantFactory(slug="initech"), username="ini-bridge", role=Role.CUSTOMER_ADMIN
    )
    before = state()
    refused = api(theirs).post(url(project), {"kind": "access_pattern", "on_behalf_of": "approver"}, format="json")
    unknown = api(theirs).post(url(987654321), {"kind": "access_pattern", "on_behalf_of": "approver"}, format="json")
    assert refused.status_code == unknown.status_code == 404
    assert refused.content == unknown.content
    assert state() == before
