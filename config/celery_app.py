"""The Celery application. Its settings are the ``CELERY_*`` names in the Django settings."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

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


@worker_process_init.connect
def freeze_startup_objects(**kwargs):
    """Keep what the worker loaded at start (Django, the apps, Celery: well over 100,000 objects) out of
    the garbage collector's full collections, which otherwise walk all of it every few
    recalculation chunks. Those objects live as long as the process anyway. Sent in each prefork
    child and by the solo pool."""
    gc.collect()
    gc.freeze()
