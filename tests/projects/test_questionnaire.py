"""The requirements questionnaire (issue 17): sections in plain words, checkboxes that save lists,
refused figures that change nothing, borderline ones warned, and a side panel that shows what the
answers rule in or out by the readiness engine's rules, for any input."""

import html
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessments.services.evaluation import readiness_now
from audit.models import AuditEvent
from projects.forms import PROFILE_HINTS, PROFILE_LABELS, PROFILE_SECTIONS, ProfileForm
from projects.models import RequirementsProfile
from projects.profile_warnings import profile_warnings
from projects.services.projects import PROFILE_FIELDS

pytestmark = pytest.mark.django_db

LEGENDS = ["The data", "The traffic", "Latency and connectivity", "The model work", "The team", "Timeline and money"]


def page(client, project):
    return client.get(reverse("project-profile", args=[project.pk])).content.decode()


def as_posted(project, **changes) -> dict:
    """What the browser sends back for ``project``'s questionnaire as it stands, with ``changes``
    (a list: the boxes ticked)."""
    form = ProfileForm(instance=project.profile)
    data = {}
    for name in form.fields:
        value = changes.get(name, form[name].value())
        data[name] = value if isinstance(value, list) else "" if value is None else str(value)
    return data


def stored(project):
    return (
        RequirementsProfile.objects.filter(project=project).values().get(),
        list(AuditEvent.objects.values_list("pk", flat=True)),
    )


def text(fragment: str) -> str:
    """The words of an HTML fragment: inline tags dropped, the others a space."""
    fragment = re.sub(r"</?(?:strong|a|em|span|code)\b[^>]*>", "", fragment)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


# --- The questions --------------------------------------------------------------------------------------------


def test_every_profile_field_is_asked_once_with_a_label_and_a_hint():
    asked = [name for _, _, _, names in PROFILE_SECTIONS for name in names]
    assert sorted(asked) == sorted(PROFILE_FIELDS)
    assert set(PROFILE_LABELS) == set(PROFILE_HINTS) == PROFILE_FIELDS
    form = ProfileForm()
    for name in PROFILE_FIELDS:  # the form's own words, not the model's field names
        assert (form.fields[name].label, form.fields[name].help_text) == (PROFILE_LABELS[name], PROFILE_HINTS[name])
        assert PROFILE_HINTS[name].endswith("."), name


def test_the_page_asks_in_sections_with_plain_labels_and_hints(client, people, project):
    client.force_login(people["lead"])
    body = page(client, project)
    legends = re.findall(r'<fieldset class="card questionnaire-section"[^>]*>\s*<legend>([^<]+)</legend>', body)
    assert legends == LEGENDS
    for name in PROFILE_FIELDS:
        assert html.escape(PROFILE_LABELS[name]) in body, name
        hint = re.search(rf'<small id="id_{name}_helptext">(.*?)</small>', body, re.S)
        assert hint, name
        assert PROFILE_HINTS[name] in html.unescape(hint[1]), name
    # No JSON to type: the lists are checkboxes, the few choices radio buttons.
    assert "<textarea" not in body
    assert re.search(r'type="checkbox" name="data_categories" value="health"', body)
    assert re.search(r'type="checkbox" name="regulations" value="pci_dss"', body)
    assert re.search(r'type="radio" name="connectivity" value="offline"', body)
    assert "Strict residency rules out providers without a region in the client&#x27;s country." in body


def test_the_hints_name_the_clients_own_regulations_and_region(client, people, project, tenant):
    tenant.regulations, tenant.residency_region = ["pdpa_th", "pci_dss"], "Thailand"
    tenant.save()
    client.force_login(people["lead"])
    body = html.unescape(page(client, project))
    assert "Acme works under PDPA (Thailand), PCI DSS." in body
    assert "Acme's usual region: Thailand." in body


def test_checkboxes_save_lists_and_unticking_all_saves_an_empty_list(client, people, project):
    client.force_login(people["lead"])
    url = reverse("project-profile", args=[project.pk])
    data = as_posted(
        project,
        data_sensitivity="regulated",
        data_categories=["personal", "financial"],
        regulations=["gdpr", "pci_dss"],
        residency="strict",
        residency_region="EU",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    project.profile.refresh_from_db()
    assert (project.profile.data_categories, project.profile.regulations) == (
        ["personal", "financial"],
        ["gdpr", "pci_dss"],
    )

    response = client.post(url, as_posted(project, data_sensitivity="internal", data_categories=[], regulations=[]))
    assert response.status_code == 302, response.content.decode()
    project.profile.refresh_from_db()
    assert (project.profile.data_categories, project.profile.regulations) == ([], [])


def test_an_unknown_checkbox_value_is_refused_and_changes_nothing(client, people, project):
    client.force_login(people["lead"])
    before = stored(project)
    response = client.post(
        reverse("project-profile", args=[project.pk]), as_posted(project, data_categories=["personal", "gossip"])
    )
    assert response.status_code == 200
    assert "gossip is not one of the available choices" in html.unescape(response.content.decode())
    assert stored(project) == before


def test_a_refused_implausible_value_names_the_rule_and_changes_nothing(client, people, project):
    client.force_login(people["lead"])
    before = stored(project)
    response = client.post(
        reverse("project-profile", args=[project.pk]),
        as_posted(project, monthly_requests=10**12, monthly_budget="5000"),
    )
    assert response.status_code == 200
    error = re.search(r'id="id_monthly_requests_error">(.*?)</div>', response.content.decode(), re.S)
    assert error
    assert "beyond any real deployment" in text(error[1])
    assert stored(project) == before


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"residency": "strict", "residency_region": ""}, "residency_region", "A residency region is required"),
        ({"latency_need": "interactive", "latency_target_ms": ""}, "latency_target_ms", "needs a latency target"),
        ({"data_sensitivity": "regulated", "regulations": []}, "regulations", "at least one regulation"),
    ],
    ids=str,
)
def test_a_rule_asking_for_an_answer_is_shown_in_its_own_words(client, people, project, changes, field, words):
    client.force_login(people["lead"])
    response = client.post(reverse("project-profile", args=[project.pk]), as_posted(project, **changes))
    error = re.search(rf'id="id_{field}_error">(.*?)</div>', response.content.decode(), re.S)
    assert error, f"no error shown for {field}"
    assert words in text(error[1])


def test_saving_shows_the_answers_and_the_warnings_on_the_project_page(client, people, project):
    client.force_login(people["lead"])
    response = client.post(
        reverse("project-profile", args=[project.pk]),
        as_posted(
            project,
            monthly_requests=250_000,
            traffic_pattern="spiky",
            peak_ratio="25",
            connectivity="limited",
            data_categories=["personal"],
        ),
    )
    assert response.status_code == 302
    body = client.get(response.url).content.decode()
    section = re.search(r'<section id="requirements".*?</section>', body, re.S)
    assert section
    shown = text(section[0])
    assert "Monthly requests 250,000" in shown
    assert "Traffic pattern Spiky: bursts well above the average" in shown
    assert "Connectivity at the site Limited: the link is slow or drops" in shown
    assert "Kinds of data it handles Personal data" in shown
    assert "Figures to check" in shown
    assert "Peaks 25 times the average" in shown


def test_an_engineer_may_save_technical_answers_from_the_whole_form(client, people, project):
    client.force_login(people["engineer"])
    response = client.post(reverse("project-profile", args=[project.pk]), as_posted(project, monthly_requests=90_000))
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="project.profile_updated").after == {"monthly_requests": 90_000}


def test_an_engineer_sees_the_other_answers_without_being_able_to_change_them(client, people, project):
    """Technical rights only: the data, budget and timeline questions are shown, not asked; a changed
    answer posted for one of them is ignored (the saved one stands), not a refusal of the whole form."""
    client.force_login(people["engineer"])
    body = page(client, project)
    assert re.search(r'<input[^>]*name="monthly_budget"[^>]*disabled', body)
    assert re.search(r'<input[^>]*name="data_sensitivity"[^>]*disabled', body)
    assert not re.search(r'<input[^>]*name="monthly_requests"[^>]*disabled', body)
    assert "Only someone who may change the whole project can change this answer." in body
    posted = as_posted(project, monthly_requests=80_000, monthly_budget="99", data_sensitivity="regulated")
    response = client.post(reverse("project-profile", args=[project.pk]), posted)
    assert response.status_code == 302
    project.profile.refresh_from_db()
    assert (project.profile.monthly_requests, project.profile.monthly_budget) == (80_000, None)
    assert project.profile.data_sensitivity != "regulated"


def test_a_delivery_lead_may_change_every_answer(client, people, project):
    client.force_login(people["lead"])
    assert not re.search(r"<input[^>]*\bdisabled\b", page(client, project))


# --- Borderline figures ---------------------------------------------------------------------------------------

#: field → (the largest value not warned, the smallest warned, the warning's code)
BORDERS = {
    "monthly_requests": (1_000_000_000, 1_000_000_001, "busy_region"),
    "peak_ratio": (D("20"), D("20.01"), "high_peak_ratio"),
    "cached_input_percent": (D("90"), D("90.01"), "high_cached_share"),
    "avg_output_tokens": (8_000, 8_001, "long_output"),
    "avg_input_tokens": (200_000, 200_001, "long_input"),
}


@pytest.mark.parametrize("field", sorted(BORDERS))
def test_a_borderline_figure_is_warned_just_above_its_threshold(field):
    quiet, loud, code = BORDERS[field]
    assert profile_warnings(RequirementsProfile(**{field: quiet})) == []
    (warning,) = profile_warnings(RequirementsProfile(**{field: loud}))
    assert (warning.field, warning.code) == (field, code)


def test_the_defaults_and_a_missing_figure_warn_of_nothing():
    assert profile_warnings(RequirementsProfile()) == []
    assert profile_warnings(RequirementsProfile(monthly_requests=None, peak_ratio=None)) == []


def test_a_warned_figure_is_saved_and_the_api_reads_the_warnings(api, people, project):
    client = api(people["lead"])
    response = client.patch(f"/api/v1/projects/{project.pk}/", {"profile": {"avg_output_tokens": 9_000}}, format="json")
    assert response.status_code == 200, response.content
    (warning,) = response.json()["profile"]["warnings"]
    assert (warning["field"], warning["code"]) == ("avg_output_tokens", "long_output")
    assert "9,000 output tokens" in warning["message"]
    assert client.get(f"/api/v1/projects/{project.pk}/").json()["profile"]["warnings"] == [warning]


# --- The side panel -------------------------------------------------------------------------------------------


def panel(client, project, data=None) -> str:
    response = client.get(reverse("project-requirements-consequences", args=[project.pk]), data or {})
    assert response.status_code == 200
    return response.content.decode()


def option(body: str, kind: str, key: str) -> str:
    found = re.search(
        rf'<li id="consequence-{kind}-{key}"[^>]*>(.*?)</li>\s*(?=<li id="consequence|</ul>\s*</div>)', body, re.S
    )
    assert found, f"{kind} {key} not shown"
    return text(found[1])


def test_offline_rules_out_the_cloud_api_with_the_reason_before_anything_is_saved(client, people, project):
    client.force_login(people["lead"])
    before = stored(project)
    online = panel(client, project, as_posted(project))
    assert "ruled out" not in option(online, "hosting", "cloud_api")

    offline = panel(client, project, as_posted(project, connectivity="offline"))
    cloud_api = option(offline, "hosting", "cloud_api")
    assert cloud_api.startswith("Cloud API: ruled out")
    assert "offline or air-gapped" in cloud_api
    assert "ruled out" not in option(offline, "hosting", "on_premises")
    assert option(offline, "deployment", "managed_application").startswith("Managed application: ruled out")
    assert stored(project) == before


def test_without_answers_the_panel_shows_the_saved_profile(client, people, project):
    profile = project.profile
    profile.connectivity = "offline"
    profile.save()
    client.force_login(people["lead"])
    assert "ruled out" in option(panel(client, project), "hosting", "cloud_api")


def test_the_panel_matches_the_assessment_once_saved(client, people, project):
    """One rule in one place: what the panel shows before saving is what the assessment finds after."""
    client.force_login(people["lead"])
    answers = as_posted(
        project, customisation="deep_changes", mlops_capability="mature", infrastructure_capability="some"
    )
    shown = panel(client, project, answers)
    client.post(reverse("project-profile", args=[project.pk]), answers)
    saved = readiness_now(project=project)
    for name, fit in saved.hosting.items():
        expected = "ruled out" if fit.excluded else f"{fit.score} of 100"
        assert option(shown, "hosting", name).split(":", 1)[1].strip().startswith(expected), name


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"monthly_requests": "lots"}, "monthly_requests", "Enter a whole number."),
        ({"monthly_requests": 10**12}, "monthly_requests", "beyond any real deployment"),
        ({"peak_ratio": "0.5"}, "peak_ratio", "never below the average"),
        ({"connectivity": "moon"}, "connectivity", "not one of the available choices"),
        ({"regulations": ["made_up"]}, "regulations", "not one of the available choices"),
        ({"residency": "strict", "residency_region": ""}, "residency_region", "required when residency is strict"),
        ({"target_production_date": "next spring"}, "target_production_date", "Enter a valid date."),
    ],
    ids=str,
)
def test_refused_answers_are_listed_in_the_panel_never_a_server_error(client, people, project, changes, field, words):
    client.force_login(people["lead"])
    before = stored(project)
    body = panel(client, project, as_posted(project, **changes))
    errors = re.search(r'<div class="consequence-errors".*?</div>', body, re.S)
    assert errors, "no errors listed"
    assert PROFILE_LABELS[field] in html.unescape(errors[0])
    assert words in html.unescape(errors[0])
    assert "the saved answer in their place" in errors[0]
    assert option(body, "hosting", "cloud_api")  # the options still show, on the saved answer
    assert stored(project) == before


def test_a_garbled_query_is_answered_with_errors(client, people, project):
    client.force_login(people["lead"])
    body = panel(client, project, {"monthly_requests": "1e999", "peak_ratio": "NaN", "cached_input_percent": "-"})
    assert "consequence-errors" in body
    assert option(body, "hosting", "cloud_api")


def test_the_panel_warns_of_borderline_figures(client, people, project):
    client.force_login(people["lead"])
    body = html.unescape(panel(client, project, as_posted(project, cached_input_percent="95")))
    warnings = re.search(r'<div class="consequence-warnings".*?</div>', body, re.S)
    assert warnings
    assert "95% of the input from the prompt cache" in warnings[0]
    assert 'href="#id_cached_input_percent"' in warnings[0]


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("approver", 403), ("outsider", 404), ("engineer", 200)])
def test_only_who_may_edit_the_requirements_sees_the_panel(client, people, project, who, status):
    client.force_login(people[who])
    response = client.get(reverse("project-requirements-consequences", args=[project.pk]))
    assert response.status_code == status
