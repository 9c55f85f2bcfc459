"""Email configuration: the console on the embedded default, SMTP from EMAIL_URL, and the deployment
check that says when production would not really send."""

import json

from tests.test_settings import PRODUCTION_ENV, run

EMAIL_PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in (
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS",
    "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL", "SITE_URL")}))
"""


def email_settings(**env):
    result = run(["-c", EMAIL_PROBE], "config.settings.local", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_embedded_default_prints_emails_to_the_console():
    loaded = email_settings(EMAIL_URL="", SITE_URL="")
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_email_url_configures_smtp():
    loaded = email_settings(
        EMAIL_URL="smtp+ssl://stagegate%40example.org:pa%3Ass@smtp.example.org:465",
        DEFAULT_FROM_EMAIL="Stagegate <noreply@example.org>",
        SITE_URL="https://stagegate.example.org",
    )
    assert loaded == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 465,
        "EMAIL_HOST_USER": "stagegate@example.org",
        "EMAIL_HOST_PASSWORD": "pa:ss",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": True,
        "DEFAULT_FROM_EMAIL": "Stagegate <noreply@example.org>",
        "SITE_URL": "https://stagegate.example.org",
    }
    assert email_settings(EMAIL_URL="smtp+tls://mail.example.org:587")["EMAIL_USE_TLS"] is True


def test_the_deployment_check_warns_while_email_and_the_site_address_are_unset():
    env = {**PRODUCTION_ENV, "EMAIL_URL": "", "SITE_URL": ""}
    del env["EMAIL_URL"], env["SITE_URL"]
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], "config.settings.production", **env)
    assert result.returncode != 0
    assert "notifications.W001" in result.stderr + result.stdout
    assert "notifications.W002" in result.stderr + result.stdout
