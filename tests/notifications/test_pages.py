"""The bell, the notifications page, marking read (plain forms and htmx), and the email choices."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from notifications.models import EmailPreference, Kind, Notification
from notifications.services import email_choices
from projects.services.approvals import approval_request_create
from tests.edit_forms import as_sent
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def waiting(tenant, people, count):
    """``count`` new requests, each waiting for the client's approvers."""
    for _ in range(count):
        approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])


def bell(response) -> str:
    return re.search(r'<a id="bell"[^>]*>.*?</a>', response.content.decode(), flags=re.S).group(0)


def test_the_bell_shows_the_unread_count_on_every_page(client, tenant, people):
    waiting(tenant, people, 2)
    client.force_login(people["approver"])
    for name in ("home", "project-list", "inbox"):
        assert '<span class="count">2</span><span class="visually-hidden"> unread</span>' in bell(
            client.get(reverse(name))
        )
    client.force_login(people["viewer"])  # told nothing: no number
    assert '"count"' not in bell(client.get(reverse("home")))


def test_the_page_lists_the_readers_own_newest_first_unread_marked(client, tenant, people):
    waiting(tenant, people, 3)
    first = Notification.objects.filter(recipient=people["approver"]).order_by("pk").first()
    first.read_at = first.created_at
    first.save(update_fields=["read_at"])
    client.force_login(people["approver"])
    html = client.get(reverse("notifications")).content.decode()
    mine = list(Notification.objects.filter(recipient=people["approver"]).order_by("-created_at", "-pk"))
    ids = [int(found) for found in re.findall(r'<li id="notification-(\d+)"', html)]
    assert ids == [notification.pk for notification in mine]
    assert html.count('class="notification unread"') == 2
    assert f'<a href="{mine[0].link}">' in html
    assert "(Asia/Bangkok)" in html  # when, in the client's time zone
    unread = client.get(reverse("notifications") + "?show=unread").content.decode()
    assert [int(found) for found in re.findall(r'<li id="notification-(\d+)"', unread)] == ids[:2]


def test_the_page_runs_the_same_queries_with_2_notifications_as_with_40(client, tenant, people):
    client.force_login(people["approver"])
    waiting(tenant, people, 2)
    client.get(reverse("notifications"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("notifications")).status_code == 200
    waiting(tenant, people, 38)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("notifications"))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count('<li id="notification-') == 25  # one page
    assert "Page 1 of 2" in response.content.decode()
    counts = [query["sql"] for query in many.captured_queries if "COUNT(" in query["sql"].upper()]
    assert len([sql for sql in counts if "notifications_notification" in sql]) == 2  # the bell, the pager


def test_mark_one_read_then_all(client, tenant, people):
    waiting(tenant, people, 3)
    client.force_login(people["approver"])
    one = Notification.objects.filter(recipient=people["approver"]).first()
    response = client.post(reverse("notification-read", args=[one.pk]), {"next": "/notifications/?page=1"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?page=1"
    one.refresh_from_db()
    assert one.read_at is not None
    assert '<span class="count">2</span>' in bell(client.get(reverse("home")))
    response = client.post(reverse("notifications-read-all"), {"next": "https://elsewhere.example/"})
    assert response["Location"] == reverse("notifications")  # only back to this site
    assert not Notification.objects.filter(recipient=people["approver"], read_at=None).exists()
    assert '"count"' not in bell(client.get(reverse("home")))
    # Others' are untouched.
    assert Notification.objects.filter(recipient=people["approver2"], read_at=None).count() == 3


def test_mark_read_with_htmx_redraws_the_item_and_the_bell(client, tenant, people):
    waiting(tenant, people, 2)
    client.force_login(people["approver"])
    one = Notification.objects.filter(recipient=people["approver"]).first()
    response = client.post(reverse("notification-read", args=[one.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<li id="notification-{one.pk}" class="notification">' in html  # no longer unread
    assert "Mark as read" not in html
    assert 'hx-swap-oob="true"' in html
    assert '<span class="count">1</span>' in html


def test_another_persons_notification_is_404_and_stays_unread(client, tenant, people):
    waiting(tenant, people, 1)
    theirs = Notification.objects.get(recipient=people["approver2"])
    client.force_login(people["approver"])
    assert client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert f"notification-{theirs.pk}" not in client.get(reverse("notifications")).content.decode()


def test_pages_need_a_sign_in_and_marking_read_needs_post(client, tenant, people):
    assert client.get(reverse("notifications")).status_code == 302
    assert client.get(reverse("personal-settings")).status_code == 302
    waiting(tenant, people, 1)
    client.force_login(people["approver"])
    one = Notification.objects.get(recipient=people["approver"])
    assert client.get(reverse("notification-read", args=[one.pk])).status_code == 405


def test_the_settings_page_turns_email_off_per_kind(client, people):
    client.force_login(people["approver"])
    html = client.get(reverse("personal-settings")).content.decode()
    assert "<h1>Your settings</h1>" in html
    assert "<legend>Email me about</legend>" in html
    assert html.count('type="checkbox"') == len(Kind.values)
    assert html.count("checked") == len(Kind.values)  # on by default
    for kind in Kind:
        assert escape(kind.label) in html
    kept = [Kind.APPROVAL_WAITING, Kind.APPROVAL_REJECTED]
    response = client.post(
        reverse("personal-settings"), as_sent(client, reverse("personal-settings"), {"emailed": kept})
    )
    assert response.status_code == 302
    assert {kind for kind, on in email_choices(user=people["approver"]).items() if on} == set(kept)
    assert EmailPreference.objects.filter(user=people["approver"], email=False).count() == len(Kind.values) - 2
    assert client.get(reverse("personal-settings")).content.decode().count("checked") == 2
    bad = client.post(
        reverse("personal-settings"), as_sent(client, reverse("personal-settings"), {"emailed": ["nonsense"]})
    )
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()


def test_the_header_links_to_the_readers_settings(client, people):
    client.force_login(people["approver"])
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("personal-settings")}"' in html
    assert "your settings</span>" in html
