"""The freeze-window settings page takes only moments every time zone can show: a one-off window at
the edge of the calendar (year 1, year 9999, read in the client's zone) is a form error on the
field saying the rule, and nothing is stored; moments just inside the range are taken and shown."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from projects.models import FreezeWindow
from projects.services.policies import freeze_window_save

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name, args=["acme", *args])


def _field_error(response, field):
    error = re.search(rf'id="id_{field}_error">(.*?)</div>', response.content.decode(), re.S)
    return error.group(1) if error else None


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field"),
    [
        ("0001-01-01T00:00", "0001-01-01T01:00", "starts_on"),
        ("0001-01-01T08:00", "2030-01-01T00:00", "starts_on"),
        ("2030-01-01T00:00", "9999-12-31T23:00", "ends_on"),
        ("2030-01-01T00:00", "9999-12-31T07:00", "ends_on"),  # 9999-12-31T00:00Z
    ],
)
def test_a_one_off_freeze_at_the_edge_of_the_calendar_is_a_form_error(
    client, people, tenant, starts_on, ends_on, field
):
    client.force_login(people["admin"])
    response = client.post(
        url("settings-freeze-new"), {"name": "p", "kind": "one_off", "starts_on": starts_on, "ends_on": ends_on}
    )
    assert response.status_code == 200
    error = _field_error(response, field)
    assert error is not None
    assert "every time zone" in error
    assert not FreezeWindow.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="freeze.").exists()


def test_a_one_off_freeze_just_inside_the_range_is_saved_and_shown(client, people, tenant):
    client.force_login(people["admin"])
    response = client.post(
        url("settings-freeze-new"),
        # Bangkok is UTC+7 (and before 1920 its local mean time, UTC+6:42:04).
        {"name": "p", "kind": "one_off", "starts_on": "0001-01-02T07:00", "ends_on": "9999-12-31T06:59"},
        follow=True,
    )
    assert response.status_code == 200
    window = FreezeWindow.objects.get()
    assert window.starts_on == datetime.datetime(1, 1, 2, 0, 17, 56, tzinfo=datetime.UTC)
    assert window.ends_on == datetime.datetime(9999, 12, 30, 23, 59, tzinfo=datetime.UTC)
    page = response.content.decode()
    assert "0001-01-02 07:00" in page
    assert "9999-12-31 06:59" in page
    assert client.get(url("settings-freeze-edit", window.pk)).status_code == 200


def test_the_service_refuses_an_extreme_moment_whoever_calls_it(people, tenant):
    with pytest.raises(ValidationError) as refused:
        freeze_window_save(
            tenant=tenant,
            actor=people["admin"],
            name="p",
            kind="one_off",
            starts_on=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            ends_on=datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
        )
    assert list(refused.value.message_dict) == ["ends_on"]
    assert not FreezeWindow.objects.exists()
