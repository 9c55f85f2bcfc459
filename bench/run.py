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
import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # also as ``python bench/run.py``

from bench import report  # noqa: E402
from bench.load import HttpTarget, Measurement, Scenario  # noqa: E402


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
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs = Path(tempfile.mkdtemp(prefix="stagegate-bench-"))
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
                f"--workers={self.options.workers}",
                "--worker-class=gthread",
                f"--threads={self.options.threads}",
                "--keep-alive=30",
                "--log-level=warning",
            ],
        )
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
        self.wait_until("gunicorn answers /health/ready", self.ready, timeout=60)
        from config.celery_app import app

        self.wait_until("the Celery worker answers", lambda: bool(app.control.ping(timeout=1.0)), timeout=60)

    def spawn(self, name, command):
        log = (self.logs / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
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

    @staticmethod
    def wait_until(what, check, *, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.5)
        raise RuntimeError(f"Timed out waiting until {what}.")

    def stop_processes(self):
        if "celery" in self.processes and self.processes["celery"].poll() is None:
            with contextlib.suppress(Exception):
                from config.celery_app import app

                app.control.purge()  # what the nightly run left queued
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

    # --- Web ----------------------------------------------------------------------------------

    def scenarios(self) -> list[Scenario]:
        from accounts.models import User
        from accounts.services import token_issue
        from projects.models import Project
        from tooling.portfolio import DEFAULT_PASSWORD

        users = {name: User.objects.get(username=f"bench-{name}") for name in ("lead", "viewer", "admin", "approver")}
        tokens = {name: token_issue(user=user, name="benchmark")[1] for name, user in users.items()}
        project = (
            Project.objects.filter(delivery_lead=users["lead"], standing__assessment__isnull=False)
            .order_by("pk")
            .first()
        )
        leads_clients = users["lead"].memberships.count()
        self.facts["detail_project"] = project.pk
        sessions = {
            name: self.target.login(users[name].username, DEFAULT_PASSWORD) for name in ("lead", "admin", "approver")
        }

        def api(name):
            return {"Authorization": f"Bearer {tokens[name]}", "Accept": "application/json"}

        def page(name):
            return {"Cookie": f"sessionid={sessions[name]}", "Accept": "text/html"}

        lead = f"delivery lead ({leads_clients} clients)"
        return [
            Scenario("Trivial endpoint (baseline) GET /health/live", "anyone", "/health/live"),
            Scenario(
                "API project list, page of 50",
                lead,
                "/api/v1/projects/?page_size=50",
                api("lead"),
                True,
                ("token", tokens["lead"]),
            ),
            Scenario(
                "API project list, page of 50",
                "client viewer",
                "/api/v1/projects/?page_size=50",
                api("viewer"),
                True,
                ("token", tokens["viewer"]),
            ),
            Scenario(
                "API project list, page of 50",
                "platform admin",
                "/api/v1/projects/?page_size=50",
                api("admin"),
                True,
                ("token", tokens["admin"]),
            ),
            Scenario(
                "API project detail",
                lead,
                f"/api/v1/projects/{project.pk}/",
                api("lead"),
                False,
                ("token", tokens["lead"]),
            ),
            Scenario(
                "Project page /projects/<id>/",
                lead,
                f"/projects/{project.pk}/",
                page("lead"),
                False,
                ("session", users["lead"]),
            ),
            Scenario("Dashboard /", lead, "/", page("lead"), False, ("session", users["lead"])),
            Scenario("Dashboard /", "platform admin", "/", page("admin"), False, ("session", users["admin"])),
            Scenario(
                "Approval inbox /inbox/",
                "client approver",
                "/inbox/",
                page("approver"),
                False,
                ("session", users["approver"]),
            ),
            Scenario("Approval inbox /inbox/", lead, "/inbox/", page("lead"), False, ("session", users["lead"])),
            Scenario(
                "Project list page /projects/", lead, "/projects/", page("lead"), False, ("session", users["lead"])
            ),
        ]

    def measure_web(self):
        self.web = self.scenarios()
        for scenario in self.web:
            measurement = self.target.measure(
                scenario,
                requests=self.options.requests,
                seconds=self.options.seconds,
                concurrency=self.options.concurrency,
                warmup=self.options.warmup,
            )
            self.measurements.append(measurement)
            print(
                f"   {scenario.name} — {scenario.who}: n={measurement.count} median {measurement.median:.1f} ms, "
                f"p95 {measurement.p95:.1f} ms, {measurement.rate:.1f}/s"
                + (f", errors {measurement.errors}" if measurement.errors else ""),
                flush=True,
            )

    def count_queries(self):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from accounts import freshness

        def timed(client, scenario, headers):
            begun = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(scenario.path, headers=headers)
            elapsed = (time.perf_counter() - begun) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{scenario.path} answered {response.status_code} to the test client.")
            return elapsed, [(float(query["time"]) * 1000, query["sql"]) for query in captured.captured_queries]

        explained = set()
        for measurement in self.measurements:
            scenario = measurement.scenario
            client = Client()
            headers = {}
            if scenario.auth and scenario.auth[0] == "session":
                client.force_login(scenario.auth[1])
            elif scenario.auth:
                headers["Authorization"] = f"Bearer {scenario.auth[1]}"
            client.get(scenario.path, headers=headers)  # the process's own warm-up (imports, templates)
            freshness.reset()
            measurement.cold_ms, cold = timed(client, scenario, headers)
            measurement.cold_queries = len(cold)
            measurement.cold_sql_ms = sum(ms for ms, _ in cold)
            measurement.alone_ms, warm = timed(client, scenario, headers)
            measurement.queries = len(warm)
            measurement.sql_ms = sum(ms for ms, _ in warm)
            measurement.slowest = sorted(cold, reverse=True)[:2]
            for ms, query in measurement.slowest:
                if ms < 5 or query in explained or not query.lstrip().upper().startswith("SELECT"):
                    continue
                explained.add(query)
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                self.plans.append((f"{scenario.name} — {scenario.who}", ms, query, plan))

    # --- Background recalculation -------------------------------------------------------------

    def measure_recalculation(self):
        from decimal import Decimal

        from django.db.models import Q

        from assessments.catalog import latest_prices, prices_import
        from assessments.jobs import job_request
        from assessments.models import CostProfile, Job
        from assessments.tasks import fan_out
        from projects.models import Project

        key = CostProfile._meta.get_field("api_model").default  # the most used model, and the default
        affected = Project.objects.filter(Q(cost_profile__api_model=key) | Q(cost_profile__isnull=True)).count()
        price = latest_prices(keys={key})[key]
        changed = prices_import(
            prices={key: (price.input_per_mtok + Decimal("0.01"), price.cached_input_per_mtok, price.output_per_mtok)},
            source="benchmark: a price change",
        )
        assert changed.changed_keys == {key}
        parameters = {"api_models": [key]}
        job = job_request(kind=Job.Kind.PRICE_FAN_OUT, task=fan_out, parameters=parameters)
        self.recalculations.append(self.follow(job, f"Fan-out after a price change of {key}", affected, timeout=600))
        job = job_request(kind=Job.Kind.PRICE_FAN_OUT, task=fan_out, parameters=parameters)
        self.recalculations.append(
            self.follow(job, "The same fan-out again (nothing changed)", affected, timeout=300, floor=True)
        )
        job = job_request(kind=Job.Kind.NIGHTLY, task=fan_out)
        total = Project.objects.count()
        self.recalculations.append(
            self.follow(job, "Nightly run (estimate and assessment)", total, timeout=self.options.nightly_seconds)
        )

    def follow(self, job, name, projects, *, timeout, floor=False) -> dict:
        """Wait for ``job`` (up to ``timeout`` s), then its rate: projects in finished chunks per second."""
        from django.db.models import Max

        from assessments.models import Job, JobChunk

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (Job.Status.DONE, Job.Status.FAILED):
                break
            time.sleep(0.25)
        job.refresh_from_db()
        chunks = list(JobChunk.objects.filter(job=job).values_list("result", flat=True))
        done = sum(chunk.get("projects", 0) for chunk in chunks)
        last = JobChunk.objects.filter(job=job).aggregate(last=Max("finished_at"))["last"]
        seconds = (last - job.created_at).total_seconds() if last else float("nan")
        row = {
            "name": name,
            "status": job.status,
            "projects": projects,
            "done": done,
            "chunks": f"{len(chunks)} of {job.chunks_total}",
            "seconds": seconds,
            "rate": done / seconds if last and seconds > 0 else 0.0,
            "error": job.error,
            #: A run with nothing to store: the cost of reading and comparing alone, not a target.
            "floor": floor,
        }
        print(
            f"   {name}: {done} of {projects} projects in {seconds:.1f} s = {row['rate']:.0f}/s ({job.status})",
            flush=True,
        )
        return row

    def write_report(self):
        text = report.write(self, self.options.output)
        print("\n" + text)


if __name__ == "__main__":
    sys.exit(main())
