"""Moments the API takes must exist and lie where every time zone can show them: an impossible
date-time (hour 25, 30 February) or one at the edge of the calendar (year 1, year 9999 once turned
into UTC) is a 400 naming the field or parameter, in bodies and in filters, and nothing is stored;
a forged cursor holding such a moment is a 404 "Invalid cursor", as every other forged cursor."""

import base64

import pytest

from audit.models import AuditEvent
from projects.models import FreezeWindow
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

IMPOSSIBLE = ["2026-01-01T25:00", "2026-01-01T24:00Z", "2026-02-30T10:00:00Z", "2026-01-01T10:61:00+01:00"]
EXTREME = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T20:00:00+02:00",
]
FILTERS = [
    ("/api/v1/projects/", "updated_since"),
    ("/api/v1/projects/", "updated_before"),
    ("/api/v1/audit-events/", "since"),
    ("/api/v1/audit-events/", "until"),
    ("/api/v1/audit-events/", "updated_since"),
    ("/api/v1/audit-events/export/", "since"),
    ("/api/v1/freeze-windows/", "updated_before"),
]


def _field_errors(response, status=400):
    assert response.status_code == status, response.content[:500]
    return {item["field"]: item["message"] for item in response.json()["error"]["fields"]}


@pytest.mark.parametrize(("path", "name"), FILTERS)
@pytest.mark.parametrize("moment", IMPOSSIBLE)
def test_an_impossible_date_time_in_a_filter_is_400_naming_it(api, people, path, name, moment):
    errors = _field_errors(api(people["admin"]).get(path, {name: moment}))
    assert list(errors) == [name]
    assert "Enter a valid date and time" in errors[name]


@pytest.mark.parametrize(("path", "name"), FILTERS)
@pytest.mark.parametrize("moment", EXTREME)
def test_a_date_time_at_the_edge_of_the_calendar_in_a_filter_is_400_naming_it(api, people, path, name, moment):
    errors = _field_errors(api(people["admin"]).get(path, {name: moment}))
    assert list(errors) == [name]
    assert "between" in errors[name]
    assert "every time zone" in errors[name]


@pytest.mark.parametrize(("path", "name"), FILTERS)
def test_moments_just_inside_the_range_are_taken(api, people, path, name):
    client = api(people["admin"])
    for moment in ["0001-01-02T00:00:00Z", "9999-12-30T23:59:59+00:00", "2026-01-01T23:59:59.999999+14:00"]:
        response = client.get(path, {name: moment})
        assert response.status_code == 200, (moment, response.content[:300])


ONE_OFF = {"tenant": "acme", "name": "p", "kind": "one_off"}


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field", "words"),
    [
        ("2026-01-01T25:00", "2026-01-02T00:00:00Z", "starts_on", "Enter a valid date and time"),
        ("2026-01-01T00:00:00Z", "2026-02-30T10:00:00Z", "ends_on", "Enter a valid date and time"),
        ("2026-01-01T00:00:00Z", "2026-01-01T24:00+07:00", "ends_on", "Enter a valid date and time"),
        ("2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "ends_on", "every time zone"),
        ("0001-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "starts_on", "every time zone"),
        ("0001-01-01T00:00:00+01:00", "2026-01-01T00:00:00Z", "starts_on", "every time zone"),
        ("2026-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00", "ends_on", "every time zone"),
    ],
)
def test_a_freeze_window_with_an_impossible_or_extreme_moment_is_400_and_not_stored(
    api, people, starts_on, ends_on, field, words
):
    response = api(people["admin"]).post(
        "/api/v1/freeze-windows/", {**ONE_OFF, "starts_on": starts_on, "ends_on": ends_on}, format="json"
    )
    errors = _field_errors(response)
    assert list(errors) == [field]
    assert words in errors[field]
    assert not FreezeWindow.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="freeze.").exists()


def test_changing_a_freeze_window_to_an_extreme_moment_is_400_and_changes_nothing(api, people):
    client = api(people["admin"])
    created = client.post(
        "/api/v1/freeze-windows/",
        {**ONE_OFF, "starts_on": "2030-01-01T00:00:00Z", "ends_on": "2030-01-02T00:00:00Z"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    window = FreezeWindow.objects.get()
    response = client.patch(f"/api/v1/freeze-windows/{window.pk}/", {"ends_on": "9999-12-31T23:59:59Z"}, format="json")
    assert list(_field_errors(response)) == ["ends_on"]
    window.refresh_from_db()
    assert window.ends_on.year == 2030
    assert client.get("/api/v1/freeze-windows/").status_code == 200


def test_a_freeze_window_at_the_edges_of_the_range_is_stored_and_its_pages_show_it(api, client, people):
    response = api(people["admin"]).post(
        "/api/v1/freeze-windows/",
        {**ONE_OFF, "starts_on": "0001-01-02T00:00:00Z", "ends_on": "9999-12-30T23:59:59Z"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    window = FreezeWindow.objects.get()
    client.force_login(people["admin"])
    # The tenant is in Asia/Bangkok (UTC+7): the end is shown on 31 December 9999.
    assert "9999-12-31 06:59" in client.get("/settings/acme/freezes/").content.decode()
    assert client.get(f"/settings/acme/freezes/{window.pk}/").status_code == 200


def _cursor(position: str) -> str:
    return base64.b64encode(position.encode()).decode()


@pytest.mark.parametrize("moment", EXTREME)
@pytest.mark.parametrize(
    ("path", "ordering"),
    [
        ("/api/v1/projects/", "updated_at"),
        ("/api/v1/projects/", "-updated_at"),
        # The project list is not ordered by created_at (once silently ignored): a list that is.
        ("/api/v1/approval-requests/", "created_at"),
        ("/api/v1/approval-requests/", "-created_at"),
    ],
)
def test_a_forged_cursor_at_the_edge_of_the_calendar_is_404_invalid_cursor(
    api, people, project, moment, path, ordering
):
    response = api(people["admin"]).get(path, {"ordering": ordering, "cursor": _cursor(f"p={moment}")})
    assert response.status_code == 404, response.content[:300]
    assert response.json()["error"]["message"] == "Invalid cursor"


def test_the_cursor_from_the_probe(api, people, project):
    response = api(people["admin"]).get(
        "/api/v1/projects/?ordering=updated_at&cursor=cD05OTk5LTEyLTMxVDIzOjU5OjU5LTAxOjAw"
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid cursor"


@pytest.mark.parametrize("moment", EXTREME)
def test_a_forged_feed_cursor_at_the_edge_of_the_calendar_is_404(api, people, tenant, moment):
    ProjectFactory(tenant=tenant)
    cursor = base64.urlsafe_b64encode(f"{moment}|1".encode()).decode()
    response = api(people["admin"]).get(
        "/api/v1/projects/", {"updated_since": "2020-01-01T00:00:00Z", "cursor": cursor}
    )
    assert response.status_code == 404, response.content[:300]
    assert response.json()["error"]["message"] == "Invalid cursor"
