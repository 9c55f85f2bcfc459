"""Implausible or inconsistent profile figures (issue 15): one rule, the same refusal on the page
and in the API, naming the field and the rule, and nothing stored."""

import re

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from audit.models import AuditEvent
from projects.forms import ProfileForm
from projects.models import RequirementsProfile
from tests.edit_forms import as_sent

pytestmark = pytest.mark.django_db

#: (field changes, the field that carries the error, the rule's code)
IMPLAUSIBLE = [
    ({"monthly_requests": 10**12}, "monthly_requests", "implausible_volume"),
    ({"avg_input_tokens": 3_000_000}, "avg_input_tokens", "implausible_tokens"),
    ({"avg_output_tokens": 1_500_000}, "avg_output_tokens", "implausible_tokens"),
    ({"peak_ratio": "0.5"}, "peak_ratio", "min_value"),
    ({"monthly_requests": 5_000_000_000, "avg_input_tokens": 200_000}, "monthly_requests", "implausible_volume"),
]
WORDS = {
    "implausible_volume": "beyond any real deployment",
    "implausible_tokens": "per request",
    "min_value": "never below the average",
}


def stored(project):
    return (
        list(RequirementsProfile.objects.filter(project=project).values()),
        list(AuditEvent.objects.filter(action__startswith="project.").values_list("pk", flat=True)),
    )


@pytest.mark.parametrize(("changes", "field", "code"), IMPLAUSIBLE, ids=str)
def test_the_api_answers_400_naming_the_field_and_the_rule(api, people, project, changes, field, code):
    client = api(people["lead"])
    before = stored(project)
    response = client.patch(f"/api/v1/projects/{project.pk}/", {"profile": changes}, format="json")
    assert response.status_code == 400, response.content
    fields = {(f["field"], f["code"]): f["message"] for f in response.json()["error"]["fields"]}
    # Named where the body gave it: inside its ``profile``.
    assert (f"profile.{field}", code) in fields, fields
    assert WORDS[code] in fields[(f"profile.{field}", code)]
    assert stored(project) == before


@pytest.mark.parametrize(("changes", "field", "code"), IMPLAUSIBLE, ids=str)
def test_the_page_shows_the_rule_on_the_field(client, people, project, changes, field, code):
    before = stored(project)
    client.force_login(people["lead"])
    data = {
        name: ("" if value is None else value)
        for name, value in model_to_dict(project.profile, fields=ProfileForm._meta.fields).items()
    }
    # The lists are checkboxes: none ticked sends nothing.
    assert data["data_categories"] == data["regulations"] == []
    address = reverse("project-profile", args=[project.pk])
    response = client.post(address, as_sent(client, address, data | changes))
    assert response.status_code == 200
    body = response.content.decode()
    match = re.search(rf'id="id_{field}_error">(.*?)</div>', body, re.S)
    assert match, f"no error shown for {field}"
    assert WORDS[code] in re.sub(r"\s+", " ", match[1])
    assert stored(project) == before


def test_a_plausible_large_profile_is_stored(api, people, project):
    """The limits sit above real deployments: a very large but real workload passes."""
    changes = {"monthly_requests": 2_000_000_000, "avg_input_tokens": 30_000, "avg_output_tokens": 2_000}
    response = api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/", {"profile": changes}, format="json")
    assert response.status_code == 200, response.content
    project.profile.refresh_from_db()
    assert project.profile.monthly_requests == 2_000_000_000
