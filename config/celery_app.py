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


#: The worker's garbage-collection thresholds: a collection of the youngest objects after 50,000
#: allocations instead of Python's 700. A recalculation chunk keeps most of what it builds until it
#: ends (a few hundred thousand objects), which the default thresholds walk again and again as they
#: age; these walk them a few times. Measured on the benchmark portfolio: about 3% less CPU a
#: chunk. Reference cycles wait longer to be freed; an evaluation makes none (a test checks it).
WORKER_GC_THRESHOLDS = (50_000, 10, 10)


@worker_process_init.connect
def freeze_startup_objects(**kwargs):
    """Keep what the worker loaded at start (Django, the apps, Celery: well over 100,000 objects) out of
    the garbage collector's full collections, which otherwise walk all of it every few
    recalculation chunks. Those objects live as long as the process anyway. Sent in each prefork
    child and by the solo pool."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
