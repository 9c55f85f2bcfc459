"""The periodic work of the embedded default, run in process (``manage.py run_schedule``).

Production schedules with Celery beat, which sends each task to Redis for a worker. The embedded
default has neither Redis nor a worker: its tasks run in process (``CELERY_TASK_ALWAYS_EAGER``).
This scheduler reads the very schedule beat reads (``CELERY_BEAT_SCHEDULE``), asks Celery's own
schedule objects (intervals and crontabs) whether each entry is due, exactly as beat does, and
runs a due task here with ``Task.apply``.

Each entry counts from its last run; an entry never run before counts from the moment the
scheduler first saw it, as with beat. The last runs are kept in a small JSON file, like beat's own
``celerybeat-schedule`` file: it is the scheduler's memory, not business data, so a restart does
not rerun a nightly job, a missed night runs once at the next start, and losing the file costs at
most one run earlier or later than planned (every task is idempotent).
"""

import copy
import datetime
import json
import logging
import os
import reprlib
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from celery.schedules import maybe_schedule
from django.utils import timezone

logger = logging.getLogger(__name__)

#: The longest sleep between two looks at the schedule, so a change of the wall clock (a laptop
#: waking up) is noticed within a minute; and the shortest, so the loop never spins.
MAX_SLEEP_SECONDS = 60.0
MIN_SLEEP_SECONDS = 1.0


@dataclass
class ScheduledTask:
    name: str
    task: str
    schedule: object  # a celery.schedules schedule or crontab, reading the scheduler's clock
    args: tuple
    kwargs: dict


class InProcessScheduler:
    """Run the entries of a beat schedule in this process when they are due.

    ``step(now)`` is the whole decision: ``now`` is the scheduler's clock, so a test can move it.
    """

    def __init__(self, *, app, schedule: dict, state_path: Path, stop: threading.Event | None = None):
        self.app = app
        app.autodiscover_tasks(force=True)  # every installed app's tasks module, as a worker finds them
        self.stop = stop or threading.Event()
        self.state_path = Path(state_path)
        self._now = None
        self.entries = [self._entry(name, spec) for name, spec in schedule.items()]
        self.last_run = self._load()

    def _entry(self, name: str, spec: dict) -> ScheduledTask:
        # A private copy of the schedule that tells the time by this scheduler's clock.
        when = copy.copy(maybe_schedule(spec["schedule"], spec.get("relative", False), app=self.app))
        when.app, when.nowfun = self.app, lambda: self._now
        return ScheduledTask(
            name=name, task=spec["task"], schedule=when, args=tuple(spec.get("args", ())), kwargs=spec.get("kwargs", {})
        )

    def step(self, now: datetime.datetime | None = None) -> float:
        """Run every entry due at ``now``, in the schedule's order; answer the seconds until the next is due.

        A task that fails is logged with its traceback and counts as run, as beat counts a task it
        sent; the other entries still run. Once ``stop`` is set, no further task starts.
        """
        self._now = now or timezone.now()
        waits = []
        for entry in self.entries:
            if self.stop.is_set():  # asked to stop: the tasks still due run at the next start
                break
            # Never run: counts from now. Run "later than now": the clock went back; count from now.
            last = min(self.last_run.get(entry.name, self._now), self._now)
            due, wait = entry.schedule.is_due(last)
            if due:
                self.last_run[entry.name] = self._now
                self._save()
                self._run(entry)
            elif entry.name not in self.last_run:
                self.last_run[entry.name] = self._now
                self._save()
            waits.append(wait)
        return max(min([*waits, MAX_SLEEP_SECONDS]), MIN_SLEEP_SECONDS)

    def _run(self, entry: ScheduledTask) -> None:
        task = self.app.tasks.get(entry.task)
        if task is None:
            logger.error("%s: no task named %s is registered; skipped", entry.name, entry.task)
            return
        logger.info("Running %s (%s)", entry.name, entry.task)
        started = time.monotonic()
        try:
            result = task.apply(args=entry.args, kwargs=entry.kwargs, throw=True).result
        except Exception:
            logger.exception("%s failed after %.1f s; the other tasks carry on", entry.name, time.monotonic() - started)
            return
        logger.info("%s done in %.1f s: %s", entry.name, time.monotonic() - started, reprlib.repr(result))

    def describe(self) -> str:
        return ", ".join(f"{entry.name} ({entry.schedule!r})" for entry in self.entries)

    def _load(self) -> dict[str, datetime.datetime]:
        try:
            stored = json.loads(self.state_path.read_text())
            last_run = {name: datetime.datetime.fromisoformat(when) for name, when in stored["last_run"].items()}
            if any(when.tzinfo is None for when in last_run.values()):
                raise ValueError("a time without its offset")
        except FileNotFoundError:
            return {}
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("%s is unreadable: every task counts from now", self.state_path)
            return {}
        return last_run

    def _save(self) -> None:
        # Only the entries still scheduled; written whole and renamed, so a crash leaves the old file.
        names = {entry.name for entry in self.entries}
        stored = {"last_run": {name: when.isoformat() for name, when in self.last_run.items() if name in names}}
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.state_path.parent, prefix=".schedule-", suffix=".json")
        with os.fdopen(handle, "w") as file:
            json.dump(stored, file, indent=2)
        os.replace(temporary, self.state_path)
