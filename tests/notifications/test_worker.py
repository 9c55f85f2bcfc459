"""With Redis: a real Celery worker sends the emails once the change commits, over real SMTP."""

import pytest
from django.test import override_settings

from notifications.models import Notification
from projects.services.approvals import approval_decide, approval_request_create
from tests.notifications.smtp import SmtpServer

pytestmark = [pytest.mark.redis, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_emails_each_approver_once_after_commit(celery_worker, project, addressed):
    assert not celery_worker.app.conf.task_always_eager  # a real worker, not the in-process emulation
    with SmtpServer() as server, override_settings(**server.settings()):
        request = approval_request_create(project=project, actor=addressed["lead"])
        messages = server.inbox.wait_for(3)
        assert sorted(address for batch in server.inbox.recipients for address in batch) == [
            "approver2@example.test",
            "approver@example.test",
            "cadmin@example.test",
        ]
        assert all(message["Subject"].startswith("[Stagegate] Approval needed:") for message in messages)
        approval_decide(request=request, actor=addressed["approver"], verdict="reject", comment="DPIA missing")
        rejection = server.inbox.wait_for(4)[3]
    assert server.inbox.recipients[3] == ["lead@example.test"]
    assert "“DPIA missing”" in rejection.get_body(preferencelist=("plain",)).get_content()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 4
    assert len(server.inbox.messages) == 4
