"""The Celery application. Its settings are the ``CELERY_*`` names in the Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("stagegate", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="stagegate.health_check", ignore_result=False)
def health_check():
    """Answer from a worker that it can reach the database: used by readiness probes and the tests."""
    from django.db import connection  # noqa: PLC0415 - the Celery app loads before Django is set up

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"
