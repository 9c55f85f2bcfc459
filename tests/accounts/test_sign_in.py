"""Sign-in hardening: lock-out after repeated failures, audited sign-ins, session expiry, CSP header."""

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from tenancy.models import Role
from tests.factories import TenantFactory, member

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_failures_lock_the_account_out_from_that_address_only(client):
    member(TenantFactory(), Role.CUSTOMER_VIEWER, username="vera")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "vera", "wrong").status_code == 200
    locked = sign_in(client, "vera", "wrong")
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    # Even the right password is refused while the lock lasts...
    assert sign_in(client, "vera", "stagegate-demo").status_code == 429
    assert "_auth_user_id" not in client.session
    # ...but the same person from another address, and another person, still get in.
    assert sign_in(client, "vera", "stagegate-demo", address="10.0.0.2").status_code == 302
    client.logout()
    member(TenantFactory(), Role.CUSTOMER_VIEWER, username="walt")
    assert sign_in(client, "walt", "stagegate-demo").status_code == 302


def test_sign_ins_failures_and_sign_outs_are_audited(client):
    user = member(TenantFactory(), Role.CUSTOMER_VIEWER, username="vera")
    sign_in(client, "vera", "wrong")
    sign_in(client, "nobody", "wrong")
    sign_in(client, "vera", "stagegate-demo")
    client.post(reverse("logout"))
    events = list(AuditEvent.objects.filter(object_type="accounts.user").order_by("pk"))
    assert [(e.action, e.object_id, e.actor_id) for e in events] == [
        ("auth.sign_in_failed", str(user.pk), None),
        ("auth.signed_in", str(user.pk), user.pk),
        ("auth.signed_out", str(user.pk), user.pk),
    ]
    assert events[0].after == {"address": "10.0.0.1"}
    assert events[0].tenant_id is None


def test_sessions_expire_and_pages_carry_a_content_security_policy(client):
    member(TenantFactory(), Role.CUSTOMER_VIEWER, username="vera")
    sign_in(client, "vera", "stagegate-demo")
    assert 0 < client.session.get_expiry_age() <= 12 * 3600
    assert client.session.get_expire_at_browser_close()
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
