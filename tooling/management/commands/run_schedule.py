"""The embedded default's scheduler: ``python manage.py run_schedule`` (``make run`` starts it).

It runs, in this process, the periodic work that Celery beat schedules in production:
``CELERY_BEAT_SCHEDULE``, whatever it holds. With Redis, beat is the scheduler and a worker runs
the tasks; this command then refuses, so the work is never scheduled twice.
"""

import logging
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from config.celery_app import app
from tooling.schedule import InProcessScheduler

logger = logging.getLogger("tooling.schedule")


def default_state_path() -> Path:
    return Path(settings.BASE_DIR) / "schedule-state.json"


class Command(BaseCommand):
    help = (
        "Run the periodic tasks of CELERY_BEAT_SCHEDULE in this process when they are due: the embedded "
        "default's stand-in for Celery beat and a worker. Stop with Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--state",
            type=Path,
            default=None,
            help="The file that remembers each task's last run (default: schedule-state.json in the project).",
        )

    def handle(self, *args, state=None, **options):
        if settings.REDIS_URL:
            raise CommandError(
                "REDIS_URL is set: tasks go to Redis, where Celery beat is the scheduler and a worker runs them "
                "(README, 'Background work'). Run exactly one `celery -A config beat`, not this command."
            )
        stop = threading.Event()
        scheduler = InProcessScheduler(
            app=app, schedule=app.conf.beat_schedule, state_path=state or default_state_path(), stop=stop
        )

        def on_signal(signum, frame):
            if not stop.is_set():
                logger.info("Stopping the scheduler (%s) once the running task, if any, ends", signal.strsignal(signum))
            stop.set()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        logger.info(
            "Scheduler started, tasks run in this process: %s; last runs kept in %s",
            scheduler.describe(),
            scheduler.state_path,
        )
        while not stop.is_set():
            # No connection is held between runs (a SQLite file stays free for the web process).
            close_old_connections()
            wait = scheduler.step()
            close_old_connections()
            stop.wait(wait)
        logger.info("Scheduler stopped")
