"""The production stack the benchmark measures: gunicorn with several workers and one Celery worker.

Each runs in a session of its own, so stopping it stops every process it forked, and its output
goes to a log file that an error message points to.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.load import HttpTarget

ROOT = Path(__file__).resolve().parent.parent


class Stack:
    """gunicorn and the worker, started on a free port of the loopback and stopped on the way out.

    ``database_url``: the database they serve (the environment's ``DATABASE_URL`` otherwise);
    ``worker``: whether to start the Celery worker too (a portfolio measured only for the growth
    table needs none, and a second worker would take the first one's tasks).
    """

    def __init__(self, *, logs: Path, database_url: str | None = None, worker: bool = True):
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.environment = {**os.environ, "DATABASE_URL": database_url} if database_url else None
        self.worker = worker
        self.processes: dict[str, subprocess.Popen] = {}
        self.target: HttpTarget | None = None

    def start(self, *, workers: int, threads: int) -> HttpTarget:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.target = HttpTarget("127.0.0.1", port)
        self.spawn(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--worker-class=gthread",
                f"--threads={threads}",
                "--keep-alive=30",
                "--log-level=warning",
            ],
        )
        if self.worker:
            self.spawn(
                "celery",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--loglevel=warning",
                    "--without-gossip",
                    "--without-mingle",
                    "-n",
                    "bench@%h",
                ],
            )
        wait_until("gunicorn answers /health/ready", self.ready, timeout=60)
        if self.worker:
            from config.celery_app import app  # the benchmark's own settings are in place only now

            wait_until("the Celery worker answers", lambda: bool(app.control.ping(timeout=1.0)), timeout=60)
        return self.target

    def spawn(self, name, command):
        log = (self.logs / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def ready(self) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.logs / (name + '.log')}")
        try:
            connection = self.target.connection()
            status, _, _ = self.target.fetch(connection, "GET", "/health/ready", {})
            connection.close()
        except OSError:
            return False
        return status == 200

    def stop(self):
        """Stop everything started, gently first; the nightly run's leftover tasks are purged."""
        if "celery" in self.processes and self.processes["celery"].poll() is None:
            with contextlib.suppress(Exception):
                from config.celery_app import app

                app.control.purge()
        for name, process in list(self.processes.items()):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
            del self.processes[name]


def wait_until(what, check, *, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise RuntimeError(f"Timed out waiting until {what}.")
