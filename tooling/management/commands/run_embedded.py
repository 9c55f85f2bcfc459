"""``make run``'s processes: ``python manage.py run_embedded [addrport]``.

Starts the development server and, beside it, the scheduler of the periodic work
(``run_schedule``), and stops both together: on Ctrl-C (which the terminal sends to all three),
on SIGTERM, or when either of them ends on its own. With Redis, tasks go to the broker and Celery
beat is the scheduler, so only the web process is started.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger("tooling.embedded")

#: How long a process may take to stop (the scheduler finishes the task it is running) before it is killed.
STOP_GRACE_SECONDS = 30


class Command(BaseCommand):
    help = "Serve the site with runserver and run the periodic tasks beside it (run_schedule); Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="Where runserver listens.")
        parser.add_argument("--state", type=Path, default=None, help="run_schedule's --state.")

    def handle(self, *args, addrport, state=None, **options):
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
        commands = {"runserver": [*manage, "runserver", addrport]}
        if settings.REDIS_URL:
            logger.warning(
                "REDIS_URL is set: tasks go to Redis. Start a worker and exactly one beat beside this "
                "(README, 'Background work'); serving the web only."
            )
        else:
            commands["run_schedule"] = [*manage, "run_schedule", *(["--state", str(state)] if state else [])]

        stop = threading.Event()
        running = {}

        def on_signal(signum, frame):
            if stop.is_set():  # asked twice: stop at once
                for process in running.values():
                    process.kill()
            stop.set()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        for name, command in commands.items():
            running[name] = subprocess.Popen(command, env=environment)
        ended = None
        while not stop.is_set() and ended is None:
            ended = next((name for name, process in running.items() if process.poll() is not None), None)
            stop.wait(0.2)
        for process in running.values():
            if process.poll() is None:
                process.terminate()
        for process in running.values():
            try:
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if ended is not None and not stop.is_set():
            code = running[ended].returncode
            raise CommandError(
                f"{ended} ended (exit code {code}); the other processes were stopped.", returncode=code or 1
            )
