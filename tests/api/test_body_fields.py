"""A body's names reach a service only as the fields its endpoint takes.

The environment, a project's profile, a cost plan and a client's cost defaults are handed to their
services field by field. A name the endpoint does not take (unknown, read only, or one of the
service's own arguments: ``project``, ``actor``, ``tenant``) is a 400 naming it, never a 500 from a
clash of keyword arguments; a value of another JSON type than the schema gives is a 400 naming it,
never stored as its text. Either way nothing is stored.
"""

import pytest

from assessments.models import CostProfile, TenantCostDefaults
from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment
from projects.models import Project

pytestmark = pytest.mark.django_db

ENVIRONMENT = {"provider": "aws", "account_id": "1234", "regions": ["ap-southeast-1"], "access_pattern": "SSO role"}
#: Names that are no field of the body, some of them the services' own keyword arguments.
NOT_FIELDS = ["project", "actor", "tenant", "fields", "colour"]


def _fields(response, status=400) -> dict:
    assert response.status_code == status, response.content[:500]
    return {item["field"]: item for item in response.json()["error"]["fields"]}


@pytest.fixture
def environment_url(project):
    return f"/api/v1/projects/{project.pk}/environment/"


@pytest.fixture
def recorded(api, people, environment_url):
    """The project's environment, recorded: what a refused change must leave as it is."""
    response = api(people["lead"]).patch(environment_url, ENVIRONMENT, format="json")
    assert response.status_code == 200, response.json()
    return CustomerCloudEnvironment.objects.values().get()


def _unchanged(recorded):
    assert CustomerCloudEnvironment.objects.values().get() == recorded


# --- The environment ------------------------------------------------------------------------


@pytest.mark.parametrize("name", NOT_FIELDS)
def test_a_name_that_is_no_environment_field_is_400_naming_it(api, people, environment_url, name):
    response = api(people["lead"]).patch(environment_url, {"account_id": "99", name: 1}, format="json")
    fields = _fields(response)
    assert list(fields) == [name]
    assert fields[name]["message"] == "Not a field of the environment."
    assert not CustomerCloudEnvironment.objects.exists()


@pytest.mark.parametrize("name", ["access_approved_by", "access_approved_at", "residency_confirmed_at"])
def test_a_read_only_environment_field_is_400_naming_it(api, people, environment_url, recorded, name):
    response = api(people["lead"]).patch(environment_url, {name: None}, format="json")
    assert list(_fields(response)) == [name]
    _unchanged(recorded)


@pytest.mark.parametrize("name", ["account_id", "site", "access_pattern", "change_process_reference"])
@pytest.mark.parametrize("value", [12345, 1.5, True, [], {}, ["a"], {"a": "b"}])
def test_a_text_fact_of_another_json_type_is_400_naming_it(api, people, environment_url, recorded, name, value):
    response = api(people["lead"]).patch(environment_url, {name: value}, format="json")
    fields = _fields(response)
    assert list(fields) == [name]
    assert fields[name]["message"] == "Give text (a JSON string) here."
    _unchanged(recorded)


@pytest.mark.parametrize("name", ["provider", "kind", "network_isolation"])
@pytest.mark.parametrize("value", [{}, [], 7, True, ["aws"], {"aws": 1}])
def test_a_choice_of_another_json_type_is_400_naming_it(api, people, environment_url, recorded, name, value):
    response = api(people["lead"]).patch(environment_url, {name: value}, format="json")
    assert list(_fields(response)) == [name]
    _unchanged(recorded)


@pytest.mark.parametrize(
    "value", ["ap-southeast-1", {"0": "ap-southeast-1"}, 7, [7], ["eu-west-1", {}], ["eu-west-1", []]]
)
def test_regions_that_are_not_a_list_of_text_are_400_naming_them(api, people, environment_url, recorded, value):
    for name in ("regions", "residency_regions"):
        response = api(people["lead"]).patch(environment_url, {name: value}, format="json")
        assert [field for field in _fields(response) if field.split(".")[0] == name], response.json()
        _unchanged(recorded)


def test_after_a_refused_provider_the_environment_is_still_changed_and_read(api, people, project, environment_url):
    client = api(people["lead"])
    assert client.patch(environment_url, {"provider": {}}, format="json").status_code == 400
    assert not CustomerCloudEnvironment.objects.exists()
    changed = client.patch(environment_url, {**ENVIRONMENT, "provider": "gcp"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert client.get(f"/api/v1/projects/{project.pk}/").json()["environment"]["provider"] == "gcp"


def test_every_error_of_the_body_is_named_at_once_and_null_still_clears(api, people, environment_url, recorded):
    client = api(people["lead"])
    response = client.patch(environment_url, {"actor": "lead", "site": 7, "provider": {}}, format="json")
    assert set(_fields(response)) == {"actor", "site", "provider"}
    _unchanged(recorded)
    cleared = client.patch(environment_url, {"access_pattern": None, "regions": None}, format="json")
    assert cleared.status_code == 200, cleared.json()
    environment = CustomerCloudEnvironment.objects.get()
    assert (environment.access_pattern, environment.regions) == ("", [])


@pytest.mark.parametrize("body", [[], "aws", 7])
def test_an_environment_body_that_is_not_an_object_is_400(api, people, environment_url, body):
    _fields(api(people["lead"]).patch(environment_url, body, format="json"))
    assert not CustomerCloudEnvironment.objects.exists()


@pytest.mark.parametrize(
    ("environment", "field"),
    [
        ({"project": 1}, "environment.project"),
        ({"actor": "lead"}, "environment.actor"),
        ({"access_approved_by": "lead"}, "environment.access_approved_by"),
        ({"provider": {}}, "environment.provider"),
        ({"account_id": 12345}, "environment.account_id"),
        ({"regions": "eu-west-1"}, "environment.regions"),
    ],
)
def test_the_switchs_environment_takes_the_same_fields(api, people, project, environment, field):
    response = api(people["lead"]).post(
        f"/api/v1/projects/{project.pk}/deployment-model/",
        {"deployment_model": "customer_cloud", "environment": {**ENVIRONMENT, **environment}},
        format="json",
    )
    assert field in _fields(response)
    assert not CustomerCloudEnvironment.objects.exists()
    assert Project.objects.get(pk=project.pk).deployment_model == project.deployment_model


# --- A project's requirements profile ---------------------------------------------------------


@pytest.mark.parametrize("name", [*NOT_FIELDS, "id", "updated_at", "warnings"])
def test_a_name_that_is_no_profile_field_is_400_naming_it(api, people, project, name):
    before = Project.objects.values().get(pk=project.pk)
    response = api(people["lead"]).patch(
        f"/api/v1/projects/{project.pk}/",
        {"name": "Renamed", "profile": {"monthly_requests": 7000, name: 1}},
        format="json",
    )
    fields = _fields(response)
    assert list(fields) == [f"profile.{name}"]
    assert fields[f"profile.{name}"]["message"] == "Not a field of the requirements profile."
    project.profile.refresh_from_db()
    assert project.profile.monthly_requests != 7000
    assert Project.objects.values().get(pk=project.pk) == before


@pytest.mark.parametrize("name", ["project", "actor", "tenant"])
def test_a_new_projects_profile_takes_the_same_fields(api, people, name):
    response = api(people["lead"]).post(
        "/api/v1/projects/",
        {"tenant": "acme", "name": "New", "code": "NEW-1", "profile": {name: 1}},
        format="json",
    )
    assert list(_fields(response)) == [f"profile.{name}"]
    assert not Project.objects.filter(code="NEW-1").exists()


# --- Cost plans and a client's cost defaults ------------------------------------------------


@pytest.mark.parametrize("name", NOT_FIELDS)
def test_a_name_that_is_no_cost_plan_field_is_400_naming_it(api, people, project, name):
    engineer = api(people["engineer"])
    events = AuditEvent.objects.count()
    response = engineer.patch(f"/api/v1/projects/{project.pk}/cost-plan/", {"staff_fte": 2, name: "x"}, format="json")
    fields = _fields(response)
    assert list(fields) == [name]
    assert fields[name]["message"] == "Not a field of the cost plan."
    assert not CostProfile.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_cost_plans_unknown_names_are_said_with_its_other_errors(api, people, project):
    response = api(people["engineer"]).patch(
        f"/api/v1/projects/{project.pk}/cost-plan/", {"actor": "x", "staff_fte": "many", "pue": True}, format="json"
    )
    assert set(_fields(response)) == {"actor", "staff_fte", "pue"}
    assert not CostProfile.objects.exists()


@pytest.mark.parametrize("name", NOT_FIELDS)
def test_a_name_that_is_no_cost_default_is_400_naming_it(api, people, tenant, name):
    admin = api(people["admin"])
    events = AuditEvent.objects.count()
    response = admin.patch(
        f"/api/v1/tenants/{tenant.slug}/cost-defaults/", {"staff_fte": 2, name: "lotus"}, format="json"
    )
    fields = _fields(response)
    assert list(fields) == [name]
    assert fields[name]["message"] == "Not a field of the cost plan."
    assert not TenantCostDefaults.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_name_that_is_no_field_is_answered_alike_everywhere(api, people, project, tenant):
    """The same code and words whichever endpoint refuses it, as the services' own refusals."""
    lead = api(people["lead"])
    answers = [
        lead.patch(f"/api/v1/projects/{project.pk}/environment/", {"actor": 1}, format="json"),
        lead.patch(f"/api/v1/projects/{project.pk}/", {"profile": {"actor": 1}}, format="json"),
        lead.patch(f"/api/v1/projects/{project.pk}/cost-plan/", {"actor": 1}, format="json"),
        api(people["admin"]).patch(f"/api/v1/tenants/{tenant.slug}/cost-defaults/", {"actor": 1}, format="json"),
    ]
    assert [(item["code"], item["message"]) for response in answers for item in response.json()["error"]["fields"]] == [
        ("invalid", "Not a field of the environment."),
        ("invalid", "Not a field of the requirements profile."),
        ("invalid", "Not a field of the cost plan."),
        ("invalid", "Not a field of the cost plan."),
    ]
