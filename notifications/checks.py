"""Deployment checks (``manage.py check --deploy``): emails that would go nowhere useful."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

CONSOLE = "django.core.mail.backends.console.EmailBackend"


@register(Tags.compatibility, deploy=True)
def email_is_sent(app_configs, **kwargs):
    problems = []
    if settings.EMAIL_BACKEND == CONSOLE:
        problems.append(
            Warning(
                "EMAIL_URL is not set: notification emails are written to the log instead of being sent.",
                hint="Set EMAIL_URL to your mail server, e.g. smtp+tls://user:password@smtp.example.com:587.",
                id="notifications.W001",
            )
        )
    if settings.SITE_URL.startswith(("http://127.0.0.1", "http://localhost")):
        problems.append(
            Warning(
                "SITE_URL is the development address: the links in emails would not reach this site.",
                hint="Set SITE_URL to the address people open, e.g. https://stagegate.example.com.",
                id="notifications.W002",
            )
        )
    return problems
