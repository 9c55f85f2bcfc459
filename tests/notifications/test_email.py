"""Notification emails: one per event and person however often the task runs, the SMTP path against a
real SMTP server, each person's choices, and the sweep that retries what the mail server refused."""

import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from notifications.delivery import SKIP_INACTIVE, SKIP_NO_ADDRESS, SKIP_TURNED_OFF, email_send
from notifications.models import Kind, Notification
from notifications.services import email_choices_save
from notifications.tasks import send_emails, send_unsent_emails
from projects.services.approvals import approval_decide, approval_request_create
from tests.notifications.smtp import SmtpServer, free_port

pytestmark = pytest.mark.django_db

DECIDERS = {"approver@example.test", "approver2@example.test", "cadmin@example.test"}


def recipients_of(messages) -> set[str]:
    return {address for message in messages for address in message.to}


@pytest.fixture
def in_process_tasks(monkeypatch):
    """Tasks run in process, as on the embedded default, whatever the broker (test_worker.py covers Redis)."""
    from config.celery_app import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


def test_an_email_goes_to_each_person_once_after_commit(
    project, addressed, in_process_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approval_request_create(project=project, actor=addressed["lead"])
        assert mail.outbox == []  # nothing before the change commits
    assert recipients_of(mail.outbox) == DECIDERS
    assert len(mail.outbox) == 3
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 3


def test_the_send_task_run_twice_sends_one_email(project, addressed):
    approval_request_create(project=project, actor=addressed["lead"])  # its emails are not sent: no commit here
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert send_emails.apply(args=[ids]).get() == 3
    assert send_emails.apply(args=[ids]).get() == 0
    assert len(mail.outbox) == 3
    assert recipients_of(mail.outbox) == DECIDERS


def test_a_claimed_email_is_not_sent_by_a_second_sender(project, addressed):
    approval_request_create(project=project, actor=addressed["lead"])
    notification = Notification.objects.first()
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())  # another worker's claim
    assert email_send(notification.pk) is False
    assert mail.outbox == []


def test_email_turned_off_keeps_the_notification_in_the_app(project, addressed):
    email_choices_save(user=addressed["approver"], choices={Kind.APPROVAL_WAITING: False})
    approval_request_create(project=project, actor=addressed["lead"])
    send_emails(list(Notification.objects.values_list("pk", flat=True)))
    assert recipients_of(mail.outbox) == DECIDERS - {"approver@example.test"}
    off = Notification.objects.get(recipient=addressed["approver"])
    assert (off.emailed_at, off.email_skipped, off.read_at) == (None, SKIP_TURNED_OFF, None)


def test_turning_one_kind_off_leaves_the_others_on(project, addressed):
    email_choices_save(user=addressed["lead"], choices={Kind.APPROVAL_WAITING: False})
    request = approval_request_create(project=project, actor=addressed["lead"])
    approval_decide(request=request, actor=addressed["approver"], verdict="reject", comment="Not yet")
    send_emails(list(Notification.objects.values_list("pk", flat=True)))
    assert "lead@example.test" in recipients_of(mail.outbox)  # the rejection still comes


def test_people_without_an_address_or_deactivated_since_get_no_email(project, addressed):
    User.objects.filter(pk=addressed["approver"].pk).update(email="")
    approval_request_create(project=project, actor=addressed["lead"])
    User.objects.filter(pk=addressed["approver2"].pk).update(is_active=False)
    send_emails(list(Notification.objects.values_list("pk", flat=True)))
    assert recipients_of(mail.outbox) == {"cadmin@example.test"}
    skipped = dict(Notification.objects.values_list("recipient__username", "email_skipped"))
    assert skipped == {"approver": SKIP_NO_ADDRESS, "approver2": SKIP_INACTIVE, "cadmin": ""}


def test_the_smtp_path_sends_text_and_html_with_the_link_and_subject(project, addressed, settings):
    settings.SITE_URL = "https://stagegate.example.com"
    request = approval_request_create(project=project, actor=addressed["lead"], note="Pilot ready")
    notification = Notification.objects.get(recipient=addressed["approver"])
    with SmtpServer() as server, override_settings(**server.settings()):
        assert email_send(notification.pk) is True
        [message] = server.inbox.wait_for(1)
    assert server.inbox.recipients == [["approver@example.test"]]
    assert message["Subject"] == f"[Stagegate] Approval needed: {project.name} to Proof of concept (Acme)"
    assert message["To"] == "approver@example.test"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = f"https://stagegate.example.com/inbox/#request-{request.pk}"
    assert link in text
    assert f'href="{link}"' in html
    assert notification.sentence in text
    assert "“Pilot ready”" in text
    assert "https://stagegate.example.com/me/settings/" in text
    assert '<a href="https://stagegate.example.com/me/settings/">' in html
    assert notification.sentence in html


def test_html_escapes_what_people_typed(project, addressed):
    request = approval_request_create(project=project, actor=addressed["lead"])
    approval_decide(request=request, actor=addressed["approver"], verdict="reject", comment="<b>no</b> & never")
    notification = Notification.objects.get(kind=Kind.APPROVAL_REJECTED)
    with SmtpServer() as server, override_settings(**server.settings()):
        email_send(notification.pk)
        [message] = server.inbox.wait_for(1)
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "&lt;b&gt;no&lt;/b&gt; &amp; never" in html
    assert "<b>no</b> & never" in text


def test_a_refused_email_is_given_back_and_the_sweep_sends_it_once(project, addressed):
    approval_request_create(project=project, actor=addressed["lead"])
    notification = Notification.objects.get(recipient=addressed["approver"])
    Notification.objects.exclude(pk=notification.pk).update(email_skipped="test: not this one")
    nobody_listens = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": free_port(),
        "EMAIL_TIMEOUT": 2,
    }
    with override_settings(**nobody_listens):
        assert email_send(notification.pk) is False
    notification.refresh_from_db()
    assert (notification.emailed_at, notification.email_skipped) == (None, "")
    # The sweep leaves the newest to their own task, then picks this one up.
    with SmtpServer() as server, override_settings(**server.settings()):
        assert send_unsent_emails() == 0
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - datetime.timedelta(minutes=10)
        )
        assert send_unsent_emails() == 1
        assert send_unsent_emails() == 0
        assert len(server.inbox.wait_for(1)) == 1
    assert server.inbox.recipients == [["approver@example.test"]]
