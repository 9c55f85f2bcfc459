"""``make run`` serves the site and runs the schedule beside it, and Ctrl-C stops both.

The launcher runs as ``make run`` runs it, in processes of its own, on a free port and a SQLite file of
the test's own; nothing is due in the first seconds, so the database needs no tables.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
STARTED = "Scheduler started"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def session_members(session_id):
    """Pids of the live processes in this session: the launcher, runserver (and its reloader child), the scheduler."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, session = fields[0], int(fields[3])
        if session == session_id and state != "Z":
            members.append(int(stat.parent.name))
    return members


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def launch(tmp_path):
    """Start ``manage.py run_embedded`` in a session of its own (as a terminal would), with the given environment."""
    started = []

    def start(**extra):
        port = free_port()
        environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
        environment |= {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
        log = tmp_path / "output.log"
        command = [sys.executable, "manage.py", "run_embedded", f"127.0.0.1:{port}", "--state", tmp_path / "state.json"]
        with log.open("w") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append(process)
        return process, port, log

    yield start
    for process in started:  # a failed assertion leaves nothing running
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)")
@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_the_launcher_serves_and_schedules_and_stops_both(launch, stop):
    launcher, port, log = launch()
    assert wait_for(lambda: answers(port) and STARTED in log.read_text(), 25), log.read_text()
    started = log.read_text()
    for name in settings.CELERY_BEAT_SCHEDULE:  # whatever beat's schedule holds, this one runs
        assert name in started.split(STARTED, 1)[1].splitlines()[0]
    assert len(session_members(launcher.pid)) >= 3  # launcher, runserver, scheduler

    if stop == "ctrl-c":  # the terminal sends SIGINT to every process in the foreground group
        os.killpg(launcher.pid, signal.SIGINT)
    else:
        launcher.send_signal(signal.SIGTERM)
    assert launcher.wait(timeout=20) == 0, log.read_text()
    assert wait_for(lambda: not session_members(launcher.pid), 5), session_members(launcher.pid)
    assert not answers(port)
    assert "Scheduler stopped" in log.read_text()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)")
def test_with_redis_the_launcher_serves_the_web_only_and_names_beat(launch):
    launcher, port, log = launch(REDIS_URL="redis://127.0.0.1:1/0")  # never reached: nothing is queued
    assert wait_for(lambda: answers(port), 25), log.read_text()
    launcher.send_signal(signal.SIGTERM)
    assert launcher.wait(timeout=20) == 0, log.read_text()
    output = log.read_text()
    assert "exactly one beat" in output
    assert STARTED not in output


def test_make_run_uses_the_launcher():
    dry_run = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert "manage.py run_embedded " in dry_run.stdout, dry_run.stdout + dry_run.stderr
