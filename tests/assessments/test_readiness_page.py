"""What the engine says, people can read (issue 15, item 4): the project page shows how every
option fits with its reasons and warnings in plain words, and why the recommended one wins; the
API carries the same with its codes."""

import html
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessments.catalog import prices_import
from assessments.models import Assessment
from assessments.services.evaluation import project_evaluate
from projects.models import RequirementsProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(project):
    prices_import(prices={"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60"))}, source="test prices")
    RequirementsProfile.objects.filter(project=project).update(
        monthly_requests=50_000_000,
        avg_input_tokens=300,
        avg_output_tokens=100,
        connectivity="limited",
        customisation="deep_changes",
    )
    project_evaluate(project)
    return project


def readable(body: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_the_page_shows_every_options_fit_with_its_reasons_and_why_the_winner_wins(client, people, evaluated):
    assessment = Assessment.objects.get(project=evaluated)
    client.force_login(people["viewer"])
    page = readable(client.get(reverse("project-detail", args=[evaluated.pk])).content.decode())
    for kind, title in (("hosting", "How the models are served"), ("deployment", "Where it runs and who controls it")):
        assert f"{title}: how each option fits" in page
        for fit in assessment.result[kind].values():
            assert fit["label"] in page
            for reason in fit["reasons"]:
                assert reason["text"] in page
        assert assessment.result["why"][kind] in page
    # Limited connectivity rules the remote options out, said as such, not as a score.
    assert "Cloud API : ruled out" in page
    assert "Rules it out: The site's connectivity is limited" in page
    assert "On premises : " in page
    assert "recommended" in page
    assert "fits best, with" in page
    # Warnings as well as blocking items, in words.
    warnings = [m for m in assessment.result["mismatches"] if m["severity"] == "warning"]
    assert warnings, "this project has a warning to show"
    for mismatch in warnings:
        assert f"Warning: {mismatch['text']}" in page
    assert "deep_changes" not in page  # codes stay in the API


def test_the_api_carries_the_same_with_codes(api, people, evaluated):
    body = api(people["viewer"]).get(f"/api/v1/projects/{evaluated.pk}/assessments/").json()["results"][0]
    result = body["result"]
    assert set(result["hosting"]) == {"cloud_api", "self_hosted_cloud", "on_premises", "hybrid"}
    assert set(result["deployment"]) == {"managed_application", "customer_cloud", "customer_data_centre"}
    api_fit = result["hosting"]["cloud_api"]
    assert api_fit["excluded"] is True
    assert api_fit["label"] == "Cloud API"
    assert {"criterion", "effect", "text"} == set(api_fit["reasons"][0])
    assert "connectivity" in {reason["criterion"] for reason in api_fit["reasons"]}
    assert body["recommended_hosting"] == "on_premises"
    assert result["why"]["hosting"].startswith("On premises fits best")
    assert {m["code"] for m in result["mismatches"]} >= {"hosting_impossible", "deep_changes_on_api"}
