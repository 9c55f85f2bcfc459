"""``make bench``: Stagegate at scale, measured end to end, written to ``docs/performance.md``.

1. A fresh PostgreSQL database (``stagegate_bench``) on the local server, migrated, with the
   default generated portfolio (``manage.py generate_portfolio``: 1,000 clients, 50,000 projects,
   200,000 per-project permission rows, 500,000 audit events, 20,000 approval requests), then
   ``VACUUM ANALYZE`` as a long-running database would have had from autovacuum.
2. The production stack: gunicorn with several workers on production settings (plain HTTP on
   127.0.0.1, so ``SECURE_SSL_REDIRECT=false``) and one Celery worker on its own Redis database.
3. Concurrent keep-alive HTTP clients: after a warm-up, a fixed number of requests (or a time
   cap) per request type; median, p95 and requests per second, against a trivial endpoint of the
   same stack (``/health/live``) as the baseline. Queries per request are counted by sending each
   request once through Django's test client inside this process, against the same database;
   the slowest of those queries are run again under ``EXPLAIN ANALYZE``.
4. The cost fan-out after a price change and the nightly run, with the one worker, in projects
   per second.

Everything it starts is stopped on the way out, failure or not. The database is left in place
for inspection and dropped by the next run.

    make bench
    make bench BENCH_ARGS="--tenants 100 --projects 5000 --requests 100"   # a quick try
"""

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # also as ``python bench/run.py``

from bench import recalculation, report, web  # noqa: E402
from bench.load import Measurement  # noqa: E402
from bench.stack import Stack  # noqa: E402


def main(argv=None) -> int:
    options = _arguments(argv)
    started = time.monotonic()
    run = BenchRun(options)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        run.execute()
    except KeyboardInterrupt:
        print("\nInterrupted: stopping what was started.", file=sys.stderr)
        return 130
    finally:
        run.stop_processes()
        signal.signal(signal.SIGTERM, previous)
    total = time.monotonic() - started
    print(f"\nmake bench finished in {total / 60:.1f} min; results in {options.output}")
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _arguments(argv):
    cores = os.cpu_count() or 2
    env = os.environ.get
    parser = argparse.ArgumentParser(description="Benchmark Stagegate on a generated portfolio.")
    parser.add_argument("--server", default=env("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default=env("BENCH_DATABASE_NAME", "stagegate_bench"))
    parser.add_argument("--redis", default=env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", 2 * cores + 1)))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", 2)))
    parser.add_argument("--concurrency", type=int, default=int(env("BENCH_CONCURRENCY", 4)))
    parser.add_argument("--requests", type=int, default=int(env("BENCH_REQUESTS", 300)), help="per request type")
    parser.add_argument("--seconds", type=float, default=float(env("BENCH_SECONDS", 15)), help="cap per request type")
    parser.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", 20)))
    parser.add_argument(
        "--nightly-seconds",
        type=float,
        default=float(env("BENCH_NIGHTLY_SECONDS", 120)),
        help="how long to follow the nightly run before taking its rate (it runs on, then is stopped)",
    )
    parser.add_argument("--output", type=Path, default=Path(env("BENCH_OUTPUT", ROOT / "docs" / "performance.md")))
    # Portfolio size: the generator's defaults unless given.
    for name in ("tenants", "projects", "permission-rows", "audit-events", "approval-requests", "lead-tenants"):
        parser.add_argument(f"--{name}", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database an earlier run left (no fresh portfolio): for trying a change, not for the report",
    )
    parser.add_argument("--web-only", action="store_true", help="skip the recalculation runs")
    return parser.parse_args(argv)


# --- The run ----------------------------------------------------------------------------------


class BenchRun:
    """One benchmark: each step in order, what it measured, and the processes it started."""

    def __init__(self, options):
        self.options = options
        self.logs = Path(tempfile.mkdtemp(prefix="stagegate-bench-"))
        self.stack = Stack(logs=self.logs)
        self.timings: dict[str, float] = {}
        self.facts: dict = {}
        self.measurements: list[Measurement] = []
        self.recalculations: list[dict] = []
        self.plans: list[tuple[str, float, str, str]] = []

    # --- Orchestration ------------------------------------------------------------------------

    def execute(self):
        self.facts["load_before"] = os.getloadavg()
        self.step("services", self.check_services)
        if self.options.reuse:
            self.step("the database as it is", self.existing_database)
        else:
            self.step("fresh database", self.fresh_database)
        self.step("migrate", lambda: self.manage("migrate", "--noinput"))
        self.step("collectstatic", lambda: self.manage("collectstatic", "--noinput"))
        if not self.options.reuse:
            self.step("generate portfolio", self.generate)
            self.step("vacuum analyze", self.vacuum)
        self.step("django", self.setup_django)
        self.step("start gunicorn and the worker", self.start_processes)
        self.step("web requests", self.measure_web)
        self.step("queries per request", self.count_queries)
        if not self.options.web_only:
            self.step("recalculation", self.measure_recalculation)
        self.facts["load_after"] = os.getloadavg()
        self.stop_processes()
        if self.options.reuse or self.options.web_only:
            print("\n(--reuse / --web-only: a trial run; docs/performance.md is left as it is)")
            print(report.render(self))
        else:
            self.write_report()

    def step(self, name, work):
        print(f"== {name}", flush=True)
        begun = time.monotonic()
        work()
        self.timings[name] = time.monotonic() - begun
        print(f"   {self.timings[name]:.1f} s", flush=True)

    def check_services(self):
        import psycopg
        import redis

        try:
            import gunicorn  # noqa: F401
        except ImportError:
            raise RuntimeError("gunicorn is missing: pip install -r requirements/production.txt") from None

        with psycopg.connect(f"{self.options.server}/postgres", connect_timeout=5) as conn:
            self.facts["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        client = redis.Redis.from_url(self.options.redis, socket_connect_timeout=5)
        self.facts["redis"] = client.info("server")["redis_version"]
        client.flushdb()  # the benchmark's own database: nothing queued from an earlier run
        client.close()

    def fresh_database(self):
        import psycopg
        from psycopg import sql

        name = self.options.database
        with psycopg.connect(f"{self.options.server}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.environment()

    def existing_database(self):
        self.facts["generate_command"] = "(an earlier run's portfolio, --reuse)"
        self.facts["portfolio"] = {}
        self.environment()

    def environment(self):
        name = self.options.database
        os.environ.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DATABASE_URL=f"{self.options.server}/{name}",
            REDIS_URL=self.options.redis,
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            # Plain HTTP on the loopback: nothing in front of gunicorn terminates TLS here.
            SECURE_SSL_REDIRECT="false",
            # The per-token API budget is a brake on runaway clients, not what is measured.
            API_PER_TOKEN_RATE="100000000/min",
            LOG_LEVEL="WARNING",
            # generate_portfolio lives in tooling/, which the production settings leave out otherwise.
            TOOLING_INSTALLED="true",
        )

    def manage(self, *args):
        log = self.logs / f"{args[0]}.log"
        with log.open("w") as out:
            result = subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False
            )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed; see {log}:\n{log.read_text()[-3000:]}")
        return log.read_text()

    def generate(self):
        args = ["generate_portfolio", "--seed", str(self.options.seed)]
        for name in ("tenants", "projects", "permission_rows", "audit_events", "approval_requests", "lead_tenants"):
            value = getattr(self.options, name)
            if value is not None:
                args += [f"--{name.replace('_', '-')}", str(value)]
        output = self.manage(*args)
        self.facts["generate_command"] = "python manage.py " + " ".join(args)
        self.facts["portfolio"] = {
            match.group(1): int(match.group(2).replace(",", ""))
            for match in re.finditer(r"^\s+([A-Za-z]+)\s+([\d,]+)$", output, re.MULTILINE)
        }

    def vacuum(self):
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def setup_django(self):
        import logging

        import django

        django.setup()
        logging.disable(logging.INFO)  # the test client's requests would log a line each

    def start_processes(self):
        self.target = self.stack.start(workers=self.options.workers, threads=self.options.threads)

    def stop_processes(self):
        self.stack.stop()

    def measure_web(self):
        self.web = web.scenarios(self.target, self.facts)
        self.measurements = web.measure_under_load(self.target, self.web, self.options)

    def count_queries(self):
        self.plans = web.count_queries(self.measurements)

    def measure_recalculation(self):
        self.recalculations = recalculation.measure_recalculation(nightly_seconds=self.options.nightly_seconds)

    def write_report(self):
        text = report.write(self, self.options.output)
        print("\n" + text)


if __name__ == "__main__":
    sys.exit(main())
