"""A page that answers htmx with a part of itself says its response depends on ``HX-Request``, so a
browser never shows the part where the whole page was asked for (the Back button after a filter)."""

import pytest
from django.urls import reverse

from tenancy.models import Role
from tests.factories import ProjectFactory, member


@pytest.fixture
def lead(db):
    return member(ProjectFactory().tenant, Role.DELIVERY_LEAD)


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def test_the_project_list_and_its_results_alone_vary_on_the_htmx_header(client, lead):
    client.force_login(lead)
    whole = client.get(reverse("project-list"))
    part = client.get(reverse("project-list"), headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" in whole.content.decode()
    assert "<html" not in part.content.decode()
    assert "hx-request" in vary(whole)
    assert "hx-request" in vary(part)
    assert "cookie" in vary(whole)  # what Django's sessions already said is kept


def test_json_answers_are_not_marked(client, lead):
    client.force_login(lead)
    response = client.get("/api/v1/projects/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert "hx-request" not in vary(response)
