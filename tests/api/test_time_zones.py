"""The API speaks ISO 8601 with offsets: a date-time without one is refused with a 400 that names
the field, in bodies and in filters, and nothing is changed; with an offset it is the moment meant."""

import datetime

import pytest

from projects.models import FreezeWindow

pytestmark = pytest.mark.django_db

ONE_OFF = {"tenant": "acme", "name": "Year end", "kind": "one_off"}


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [("2030-12-24T10:00:00", "2030-12-26T10:00:00Z"), ("2030-12-24T10:00:00Z", "2030-12-26 10:00")],
)
def test_a_naive_date_time_in_a_body_is_refused(api, people, starts_on, ends_on):
    response = api(people["admin"]).post(
        "/api/v1/freeze-windows/", {**ONE_OFF, "starts_on": starts_on, "ends_on": ends_on}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    naive = "starts_on" if starts_on.endswith("00") else "ends_on"
    assert [field["field"] for field in fields] == [naive]
    assert "offset from UTC" in fields[0]["message"]
    assert not FreezeWindow.objects.exists()


def test_an_offset_is_the_moment_meant(api, people):
    response = api(people["admin"]).post(
        "/api/v1/freeze-windows/",
        {**ONE_OFF, "starts_on": "2030-12-24T10:00:00+07:00", "ends_on": "2030-12-26T10:00:00Z"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    window = FreezeWindow.objects.get()
    assert window.starts_on == datetime.datetime(2030, 12, 24, 3, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("path", "name"), [("/api/v1/projects/", "updated_since"), ("/api/v1/audit-events/", "since")])
def test_a_naive_date_time_in_a_filter_is_refused(api, people, path, name):
    client = api(people["admin"])
    refused = client.get(path, {name: "2026-12-01T10:00:00"})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"][0]["field"] == name
    assert "offset from UTC" in refused.json()["error"]["fields"][0]["message"]
    assert client.get(path, {name: "2026-12-01T10:00:00+01:00"}).status_code == 200
