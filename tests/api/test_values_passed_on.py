"""The objects of a body handed to a service as sent (a project's profile, its environment, its
routing rules) are refused like any other body: never a 500, whatever the value.

- Null where the schema gives no null is a 400 naming the field (``api.fields.null_errors``): the
  model does not catch it, as Django checks no empty value of a field that may be blank, so a null
  text reached the rules between fields (``None.strip()``) or the database's NOT NULL. Where the
  schema gives null (an environment's facts, a rule's position) it still clears, or means "not given".
- A value its own field refuses reads None in the model's rules between fields
  (``TenantOwned.full_clean``): those rules read it only once it is valid, so the answer is the
  field's own 400, alone, instead of a 500.

Nothing is stored, and nothing is recorded in the audit log.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

from audit.models import AuditEvent
from deployments.api.serializers import CLEARABLE_FACTS, RoutingRuleWriteSerializer
from deployments.models import CustomerCloudEnvironment, RoutingRule
from projects.api.serializers import ProfileSerializer
from projects.models import HostingApproach, Project, RequirementsProfile

pytestmark = pytest.mark.django_db

#: The profile's answers a client may not clear: the schema gives them no null.
PROFILE_NOT_NULL = sorted(
    name
    for name, field in ProfileSerializer(partial=True).fields.items()
    if not field.read_only and not field.allow_null
)
#: A rule's fields that always have a value (the position alone may be left to its place).
RULE_NOT_NULL = sorted(
    name for name, field in RoutingRuleWriteSerializer().fields.items() if name != "position" and not field.allow_null
)
RULES = [
    {"condition_kind": "data_class", "data_class": "regulated", "destination": "self_hosted", "share_percent": "60"},
    {
        "condition_kind": "traffic",
        "traffic_condition": "other",
        "destination": "cloud_api",
        "api_model": "openai:gpt-4o-mini",
        "share_percent": "40",
    },
]


def _refused(response) -> dict:
    assert response.status_code == 400, response.content[:500]
    return {item["field"]: item for item in response.json()["error"]["fields"]}


@pytest.fixture
def hybrid(api, people, project):
    """The project, hybrid, with two routing rules: what a refused change must leave as it is."""
    Project.objects.filter(pk=project.pk).update(hosting_approach=HostingApproach.HYBRID)
    response = api(people["lead"]).put(f"/api/v1/projects/{project.pk}/routing-rules/", {"rules": RULES}, format="json")
    assert response.status_code == 200, response.json()
    return project


def _rules(project) -> list[dict]:
    return list(RoutingRule.objects.filter(project=project).order_by("position").values())


# --- Null where the schema gives none ------------------------------------------------------------


def test_the_fields_checked_are_the_ones_the_schema_gives_no_null():
    assert {"residency_region", "data_categories", "regulations", "data_sensitivity"} <= set(PROFILE_NOT_NULL)
    assert {"api_model", "data_class", "traffic_condition"} <= set(RULE_NOT_NULL)


@pytest.mark.parametrize("name", PROFILE_NOT_NULL)
def test_null_for_a_profile_answer_is_400_naming_it(api, people, project, name):
    lead = api(people["lead"])
    before = RequirementsProfile.objects.values().get(project=project)
    events = AuditEvent.objects.count()
    response = lead.patch(
        f"/api/v1/projects/{project.pk}/", {"profile": {"residency": "strict", name: None}}, format="json"
    )
    fields = _refused(response)
    assert fields[f"profile.{name}"]["code"] == "null"
    assert fields[f"profile.{name}"]["message"] == "This field may not be null."
    assert RequirementsProfile.objects.values().get(project=project) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("name", ["residency_region", "data_categories", "regulations"])
def test_a_new_projects_profile_refuses_null_alike(api, people, name):
    response = api(people["lead"]).post(
        "/api/v1/projects/",
        {"tenant": "acme", "name": "New", "code": "NEW-1", "profile": {name: None}},
        format="json",
    )
    assert list(_refused(response)) == [f"profile.{name}"]
    assert not Project.objects.filter(code="NEW-1").exists()


@pytest.mark.parametrize("name", RULE_NOT_NULL)
def test_null_for_a_routing_rules_field_is_400_naming_it(api, people, hybrid, name):
    lead = api(people["lead"])
    before, events = _rules(hybrid), AuditEvent.objects.count()
    rules = [RULES[0], {**RULES[1], name: None}]
    response = lead.put(f"/api/v1/projects/{hybrid.pk}/routing-rules/", {"rules": rules}, format="json")
    assert _refused(response)[f"rules.1.{name}"]["code"] == "null"
    assert _rules(hybrid) == before
    assert AuditEvent.objects.count() == events


def test_a_rules_null_position_is_its_place_in_the_list(api, people, hybrid):
    rules = [{**RULES[1], "position": None}, {**RULES[0], "position": None}]
    response = api(people["lead"]).put(f"/api/v1/projects/{hybrid.pk}/routing-rules/", {"rules": rules}, format="json")
    assert response.status_code == 200, response.json()
    assert [(rule["position"], rule["destination"]) for rule in _rules(hybrid)] == [
        (1, "cloud_api"),
        (2, "self_hosted"),
    ]


@pytest.mark.parametrize("name", ["kind", "network_isolation"])
def test_null_for_an_environment_fact_that_always_has_a_value_is_400_naming_it(api, people, project, name):
    response = api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/environment/", {name: None}, format="json")
    assert _refused(response)[name]["code"] == "null"
    assert not CustomerCloudEnvironment.objects.exists()


def test_the_schema_gives_null_exactly_where_a_write_takes_it():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    body = schema["paths"]["/api/v1/projects/{id}/environment/"]["patch"]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]
    facts = schema["components"]["schemas"][name]["properties"]
    assert sorted(name for name, fact in facts.items() if fact.get("nullable")) == sorted(
        [*CLEARABLE_FACTS, "regions", "residency_regions"]
    )


# --- A value its own field refuses, read by the rules between fields -------------------------------


def test_a_refused_residency_region_is_its_own_400_not_a_500(api, people, project):
    before = RequirementsProfile.objects.values().get(project=project)
    response = api(people["lead"]).patch(
        f"/api/v1/projects/{project.pk}/",
        {"profile": {"residency": "strict", "residency_region": "x" * 65}},
        format="json",
    )
    fields = _refused(response)
    assert list(fields) == ["profile.residency_region"]
    assert fields["profile.residency_region"]["code"] == "max_length"
    assert RequirementsProfile.objects.values().get(project=project) == before


@pytest.mark.parametrize(
    ("api_model", "rule"),
    [("gpt-4o-mini", "Name the model as provider:model"), ("openai:" + "x" * 200, "at most 200 characters")],
)
def test_a_refused_cloud_api_model_is_its_own_400_not_a_500(api, people, hybrid, api_model, rule):
    lead = api(people["lead"])
    before, events = _rules(hybrid), AuditEvent.objects.count()
    rules = [RULES[0], {**RULES[1], "api_model": api_model}]
    response = lead.put(f"/api/v1/projects/{hybrid.pk}/routing-rules/", {"rules": rules}, format="json")
    fields = _refused(response)
    assert list(fields) == ["rules.1.api_model"]
    assert rule in fields["rules.1.api_model"]["message"]
    assert _rules(hybrid) == before
    assert AuditEvent.objects.count() == events
