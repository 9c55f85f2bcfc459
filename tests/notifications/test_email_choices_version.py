"""A person's email choices page carries the version of their choices, like every edit page
(``core.forms.VersionedEditForm``): saved from a tab opened before the choices changed (another tab,
the API), it comes back with 409 and the plain message, and the other change stands. The cases every
edit page shares (the version on the page, a change through the service, no version sent) are in
``tests/test_stale_edits.py``."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.forms import STALE_EDIT
from notifications.models import EmailPreference, Kind
from notifications.services import email_choices, email_choices_save
from tests.edit_forms import page_version

pytestmark = pytest.mark.django_db
ADDRESS = "/me/settings/"


def tab(person) -> tuple[Client, dict]:
    """A browser tab of ``person`` with the settings page open: the client and the page's version."""
    browser = Client()
    browser.force_login(person)
    page = browser.get(reverse("personal-settings"))
    assert page.status_code == 200
    return browser, page_version(page)


def emailed(person) -> set:
    return {kind for kind, email in email_choices(user=person).items() if email}


def test_the_address_is_the_settings_page():
    assert reverse("personal-settings") == ADDRESS


@pytest.mark.parametrize("chosen_before", [False, True], ids=["nothing chosen yet", "choices saved before"])
def test_a_tab_opened_before_another_tab_saved_is_refused(people, chosen_before):
    person = people["approver"]
    if chosen_before:
        email_choices_save(user=person, choices={Kind.EVIDENCE_EXPIRING: False})
    first, first_version = tab(person)
    second, second_version = tab(person)
    assert second.post(ADDRESS, {"emailed": [Kind.APPROVAL_WAITING], **second_version}).status_code == 302

    response = first.post(ADDRESS, {"emailed": [Kind.WEBHOOK_DISABLED], **first_version})

    assert response.status_code == 409
    assert STALE_EDIT in response.content.decode()
    assert emailed(person) == {Kind.APPROVAL_WAITING}
    # Reloaded, the first tab shows the second's choices and saves.
    first, first_version = tab(person)
    assert first.post(ADDRESS, {"emailed": [Kind.WEBHOOK_DISABLED], **first_version}).status_code == 302
    assert emailed(person) == {Kind.WEBHOOK_DISABLED}


def test_a_change_through_the_api_after_the_page_opened_is_kept(api, people):
    person = people["approver"]
    browser, version = tab(person)
    tool = api(person)
    assert (
        tool.patch(
            "/api/v1/me/notification-settings/", {"email": {"approval_waiting": False}}, format="json"
        ).status_code
        == 200
    )

    response = browser.post(ADDRESS, {"emailed": list(Kind.values), **version})

    assert response.status_code == 409
    assert Kind.APPROVAL_WAITING not in emailed(person)


def test_another_persons_choices_do_not_make_the_page_stale(people):
    person = people["approver"]
    browser, version = tab(person)
    email_choices_save(user=people["approver2"], choices={Kind.APPROVAL_WAITING: False})

    assert browser.post(ADDRESS, {"emailed": [Kind.APPROVAL_OUTCOME], **version}).status_code == 302
    assert emailed(person) == {Kind.APPROVAL_OUTCOME}
    assert Kind.APPROVAL_WAITING not in emailed(people["approver2"])


def test_a_refused_form_is_drawn_again_with_what_the_person_ticked(people):
    person = people["approver"]
    browser, version = tab(person)
    email_choices_save(user=person, choices={Kind.APPROVAL_WAITING: False})

    response = browser.post(ADDRESS, {"emailed": [Kind.EVIDENCE_WAITING], **version})

    assert response.status_code == 409
    assert response.content.decode().count("checked") == 1


def submitted_at_once(tabs, picks) -> list[int]:
    """Each tab sends its page with its pick at the same moment, each in its own thread and
    connection: the statuses, in the order of ``tabs``."""
    barrier = threading.Barrier(len(tabs))
    statuses = [None] * len(tabs)

    def submit(index):
        try:
            browser, version = tabs[index]
            barrier.wait(timeout=10)
            statuses[index] = browser.post(ADDRESS, {"emailed": picks[index], **version}).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_the_first_choices_at_once_save_once(people):
    """Nothing chosen yet, so no row to lock: the person's row is locked instead, and the second
    save, once the first is committed, sees its rows and is refused."""
    person = people["approver"]
    picks = [[Kind.APPROVAL_WAITING], [Kind.WEBHOOK_DISABLED]]
    for round_ in range(4):
        EmailPreference.objects.filter(user=person).delete()

        statuses = submitted_at_once([tab(person), tab(person)], picks)

        assert sorted(statuses) == [302, 409], (round_, statuses)
        assert emailed(person) == set(picks[statuses.index(302)])
