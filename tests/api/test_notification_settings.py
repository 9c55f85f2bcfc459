"""A person's own notification settings over the API (issue 16, parity): which kinds of
notification also come by email, read and changed at ``/api/v1/me/notification-settings/``
through the same services as their settings page (``email_choices`` / ``email_choices_save``)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import EmailPreference, Kind
from notifications.services import email_choices, email_choices_save
from tests.edit_forms import as_sent

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notification-settings/"


def stored():
    return sorted(EmailPreference.objects.values_list("user__username", "kind", "email"))


def fields_of(response) -> list[tuple[str, str]]:
    return [(item["field"], item["code"]) for item in response.json()["error"]["fields"]]


def test_every_kind_is_answered_on_by_default_and_changed_by_the_kinds_sent(api, people):
    client = api(people["approver"])
    read = client.get(URL)
    assert read.status_code == 200
    assert read.json() == {"email": dict.fromkeys(Kind.values, True)}
    assert read["ETag"]

    changed = client.patch(URL, {"email": {"approval_reminder": False, "evidence_expiring": False}}, format="json")
    assert changed.status_code == 200, changed.json()
    expected = dict.fromkeys(Kind.values, True) | {"approval_reminder": False, "evidence_expiring": False}
    assert changed.json() == {"email": expected}
    assert changed["ETag"] == client.get(URL)["ETag"] != read["ETag"]
    assert email_choices(user=people["approver"]) == expected
    # The kinds not sent keep their choice; turning one back on is a change like any other.
    again = client.patch(URL, {"email": {"approval_reminder": True}}, format="json")
    assert again.json()["email"]["evidence_expiring"] is False
    assert again.json()["email"]["approval_reminder"] is True


def test_each_person_reads_and_changes_only_their_own(api, people):
    email_choices_save(user=people["viewer"], choices={"approval_waiting": False})
    assert api(people["approver"]).get(URL).json()["email"]["approval_waiting"] is True
    api(people["approver"]).patch(URL, {"email": {"webhook_disabled": False}}, format="json")
    assert email_choices(user=people["viewer"])["webhook_disabled"] is True
    assert email_choices(user=people["viewer"])["approval_waiting"] is False


def test_the_page_and_the_api_are_one_service(api, client, people):
    """Saved on the page, read through the API; saved through the API, shown on the page."""
    client.force_login(people["lead"])
    kept = [Kind.APPROVAL_OUTCOME, Kind.APPROVAL_REJECTED]
    assert (
        client.post(
            reverse("personal-settings"), as_sent(client, reverse("personal-settings"), {"emailed": kept})
        ).status_code
        == 302
    )
    tool = api(people["lead"])
    assert {kind for kind, on in tool.get(URL).json()["email"].items() if on} == set(kept)
    assert tool.patch(URL, {"email": {"approval_waiting": True}}, format="json").status_code == 200
    assert client.get(reverse("personal-settings")).content.decode().count("checked") == 3


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"email": {"approval_reminder": "sometimes"}}, [("email.approval_reminder", "invalid")]),
        ({"email": {"approval_reminder": None}}, [("email.approval_reminder", "null")]),
        ({"email": {"approval_reminder": False, "birthdays": False}}, [("email.birthdays", "invalid")]),
        ({"email": ["approval_reminder"]}, [("email", "invalid")]),
        ({"email": None}, [("email", "null")]),
        ({"emial": {"approval_reminder": False}}, [("emial", "invalid")]),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api, people, body, expected):
    email_choices_save(user=people["approver"], choices={"webhook_disabled": False})
    before = stored()
    refused = api(people["approver"]).patch(URL, body, format="json")
    assert refused.status_code == 400
    assert fields_of(refused) == expected
    assert stored() == before


def test_an_unknown_kind_is_refused_in_the_services_words(api, people):
    refused = api(people["approver"]).patch(URL, {"email": {"birthdays": False}}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"][0]["message"].startswith("Not a kind of notification")
    # A body that is not an object is refused before anything looks at it.
    not_an_object = api(people["approver"]).patch(URL, [{"email": {}}], format="json")
    assert not_an_object.status_code == 400
    assert not_an_object.json()["error"]["code"] == "parse_error"
    assert not EmailPreference.objects.exists()


def test_a_stale_if_match_is_412_and_changes_nothing(api, people):
    client = api(people["approver"])
    tag = client.get(URL)["ETag"]
    email_choices_save(user=people["approver"], choices={"approval_waiting": False})  # on the page, meanwhile
    before = stored()
    refused = client.patch(URL, {"email": {"approval_reminder": False}}, format="json", HTTP_IF_MATCH=tag)
    assert refused.status_code == 412
    assert stored() == before
    fresh = client.get(URL)["ETag"]
    done = client.patch(URL, {"email": {"approval_reminder": False}}, format="json", HTTP_IF_MATCH=fresh)
    assert done.status_code == 200


def test_reading_needs_the_read_scope_and_changing_the_write_scope(api, people):
    reader = api(people["approver"], scopes=("read",))
    assert reader.get(URL).status_code == 200
    refused = reader.patch(URL, {"email": {"approval_reminder": False}}, format="json")
    assert refused.status_code == 403
    assert not EmailPreference.objects.exists()


def test_without_credentials_it_is_a_401():
    assert APIClient().get(URL).status_code == 401
    assert APIClient().patch(URL, {"email": {}}, format="json").status_code == 401
