"""A form's ``next`` (where to go back to) is a path on this site, else the form's own default
(core.forms.return_address). A word in it was read by ``redirect`` as the name of a view: a 500 for
any word that names none."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from projects.services.approvals import approval_request_create

pytestmark = pytest.mark.django_db

REFUSED = ("nosuchpage", "a word", "//evil.example/x", "https://evil.example/", "/\\evil.example", "inbox")


@pytest.fixture
def asked(project, people):
    return approval_request_create(project=project, actor=people["lead"])


def forms(project, asked, people):
    """Each form with a ``next``: who posts it, where, and where it goes back to without one."""
    return [
        (people["approver"], reverse("notifications-read-all"), {}, reverse("notifications")),
        (people["approver"], reverse("decide", args=[asked.pk, "approve"]), {}, reverse("inbox")),
        (
            people["platform"],
            reverse("freeze-override", args=[asked.pk]),
            {"reason": "Board sign-off"},
            reverse("project-detail", args=[project.pk]),
        ),
    ]


@pytest.mark.parametrize("target", REFUSED)
def test_a_next_that_is_not_a_path_on_this_site_goes_to_the_forms_default(client, project, people, asked, target):
    for person, url, data, default in forms(project, asked, people):
        client.force_login(person)
        response = client.post(url, {**data, "next": target})
        assert (response.status_code, response["Location"]) == (302, default), url


def test_a_path_on_this_site_is_followed(client, project, people, asked):
    for person, url, data, _default in forms(project, asked, people):
        client.force_login(person)
        response = client.post(url, {**data, "next": "/projects/?stage=pilot"})
        assert (response.status_code, response["Location"]) == (302, "/projects/?stage=pilot"), url


def test_marking_one_notification_read_goes_back_the_same_way(client, project, people, asked):
    notification = Notification.objects.filter(recipient=people["approver"]).first()
    assert notification is not None
    client.force_login(people["approver"])
    url = reverse("notification-read", args=[notification.pk])
    response = client.post(url, {"next": "nosuchpage"})
    assert (response.status_code, response["Location"]) == (302, reverse("notifications"))
