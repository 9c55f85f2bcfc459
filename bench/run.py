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
import datetime
import http.client
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"
#: The issue's targets.
MEDIAN_FACTOR = 3
LIST_P95_MS = 100
RECALCULATION_PER_SECOND = 1000


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
    return parser.parse_args(argv)


# --- Measuring HTTP ---------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    who: str
    path: str
    headers: dict = field(default_factory=dict)
    #: Held to the list target (p95) as well as the median one.
    is_list: bool = False
    #: For the query count: ("token", token) or ("session", user) or None.
    auth: tuple | None = None


@dataclass
class Measurement:
    scenario: Scenario
    latencies_ms: list[float]
    seconds: float
    errors: dict[str, int]
    bytes_per_response: int
    queries: int | None = None
    sql_ms: float | None = None
    #: The same request once, alone, through the test client in this process.
    alone_ms: float | None = None
    slowest: list[tuple[float, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def percentile(values, rank) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, -(-rank * len(ordered) // 100) - 1))
    return ordered[index]


class HttpTarget:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    def connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    @staticmethod
    def fetch(connection, method, path, headers, body=None) -> tuple[int, bytes, http.client.HTTPResponse]:
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()  # a worker closed the kept-alive connection: once more on a new one
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
        payload = response.read()
        if response.will_close:
            connection.close()
        return response.status, payload, response

    def measure(self, scenario: Scenario, *, requests: int, seconds: float, concurrency: int, warmup: int):
        connections = [self.connection() for _ in range(concurrency)]
        # Warm-up: the same load, not recorded (the workers' first requests import and connect).
        self._run(connections, scenario, requests=warmup, seconds=seconds / 3)
        latencies, errors, sizes, wall = self._run(connections, scenario, requests=requests, seconds=seconds)
        for connection in connections:
            connection.close()
        return Measurement(
            scenario=scenario,
            latencies_ms=latencies,
            seconds=wall,
            errors=errors,
            bytes_per_response=int(statistics.mean(sizes)) if sizes else 0,
        )

    def _run(self, connections, scenario, *, requests, seconds):
        """Up to ``requests`` requests, or until ``seconds`` have passed, one client thread per connection."""
        lock = threading.Lock()
        issued = 0
        latencies, errors, sizes = [], {}, []
        deadline = time.monotonic() + seconds

        def client(connection):
            nonlocal issued
            while True:
                with lock:
                    if issued >= requests or time.monotonic() > deadline:
                        return
                    issued += 1
                begun = time.perf_counter()
                try:
                    status, payload, _ = self.fetch(connection, "GET", scenario.path, scenario.headers)
                except OSError as error:
                    status, payload = type(error).__name__, b""
                elapsed = (time.perf_counter() - begun) * 1000
                with lock:
                    if status == 200:
                        latencies.append(elapsed)
                        sizes.append(len(payload))
                    else:
                        errors[str(status)] = errors.get(str(status), 0) + 1

        threads = [threading.Thread(target=client, args=(connection,)) for connection in connections]
        begun = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return latencies, errors, sizes, time.perf_counter() - begun

    def login(self, username: str, password: str) -> str:
        """Sign in through the login form, as a browser does; returns the session cookie's value."""
        connection = self.connection()
        status, page, response = self.fetch(connection, "GET", "/accounts/login/", {})
        csrf_cookie = _cookie(response, "csrftoken")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not csrf_cookie or not match:
            raise RuntimeError(f"The login page did not offer a form (HTTP {status}).")
        form = urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password, "next": "/"}
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}"}
        status, _, response = self.fetch(connection, "POST", "/accounts/login/", headers, body=form)
        connection.close()
        session = _cookie(response, "sessionid")
        if status != 302 or not session:
            raise RuntimeError(f"Signing in as {username} failed (HTTP {status}).")
        return session


def _cookie(response, name) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


# --- The run ----------------------------------------------------------------------------------


class BenchRun:
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
        self.step("fresh database", self.fresh_database)
        self.step("migrate", lambda: self.manage("migrate", "--noinput"))
        self.step("collectstatic", lambda: self.manage("collectstatic", "--noinput"))
        self.step("generate portfolio", self.generate)
        self.step("vacuum analyze", self.vacuum)
        self.step("django", self.setup_django)
        self.step("start gunicorn and the worker", self.start_processes)
        self.step("web requests", self.measure_web)
        self.step("queries per request", self.count_queries)
        self.step("recalculation", self.measure_recalculation)
        self.facts["load_after"] = os.getloadavg()
        self.stop_processes()
        self.report()

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
        import django

        django.setup()

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
            name: self.target.login(users[name].username, "stagegate-bench") for name in ("lead", "admin", "approver")
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

        explained = set()
        for measurement in self.measurements:
            scenario = measurement.scenario
            client = Client()
            headers = {}
            if scenario.auth and scenario.auth[0] == "session":
                client.force_login(scenario.auth[1])
            elif scenario.auth:
                headers["Authorization"] = f"Bearer {scenario.auth[1]}"
            client.get(scenario.path, headers=headers)  # warm caches the way the server's are
            begun = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(scenario.path, headers=headers)
            measurement.alone_ms = (time.perf_counter() - begun) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{scenario.path} answered {response.status_code} to the test client.")
            timed = [(float(query["time"]) * 1000, query["sql"]) for query in captured.captured_queries]
            measurement.queries = len(timed)
            measurement.sql_ms = sum(ms for ms, _ in timed)
            measurement.slowest = sorted(timed, reverse=True)[:2]
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
        self.recalculations.append(self.follow(job, "The same fan-out again (nothing changed)", affected, timeout=300))
        job = job_request(kind=Job.Kind.NIGHTLY, task=fan_out)
        total = Project.objects.count()
        self.recalculations.append(
            self.follow(job, "Nightly run (estimate and assessment)", total, timeout=self.options.nightly_seconds)
        )

    def follow(self, job, name, projects, *, timeout) -> dict:
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
        }
        print(
            f"   {name}: {done} of {projects} projects in {seconds:.1f} s = {row['rate']:.0f}/s ({job.status})",
            flush=True,
        )
        return row

    # --- Report -------------------------------------------------------------------------------

    def report(self):
        text = self.render()
        print("\n" + text)
        output = self.options.output
        existing = output.read_text() if output.exists() else ""
        if START_MARK in existing and END_MARK in existing:
            before, rest = existing.split(START_MARK, 1)
            after = rest.split(END_MARK, 1)[1]
        else:
            before, after = "# Performance\n\n", "\n"
        output.write_text(f"{before}{START_MARK}\n{text}\n{END_MARK}{after}")

    def render(self) -> str:
        import django

        baseline = self.measurements[0].median
        lines = [
            f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `make bench` "
            f"(`python bench/run.py{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`), at commit {_commit()}.",
            "",
            f"- Machine: {_cpu()}, {os.cpu_count()} cores, {_memory()} memory; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, Django {django.get_version()}, "
            f"PostgreSQL {self.facts['postgresql']}, Redis {self.facts['redis']}.",
            f"- Load average (1, 5, 15 min) before: {_load(self.facts['load_before'])}; after: "
            f"{_load(self.facts['load_after'])}. Others were using this machine at the same time, so the "
            "numbers carry noise; compare runs, not single figures.",
            f"- Server: gunicorn, {self.options.workers} gthread workers × {self.options.threads} threads, "
            f"production settings over plain HTTP; one Celery worker (solo pool). Clients: {self.options.concurrency} "
            f"concurrent keep-alive connections, {self.options.warmup} warm-up requests, then up to "
            f"{self.options.requests} requests or {self.options.seconds:.0f} s per row.",
            f"- Portfolio: `{self.facts['generate_command']}` in {self.timings['generate portfolio']:.0f} s; then "
            f"`VACUUM ANALYZE` ({self.timings['vacuum analyze']:.0f} s).",
            "",
            "| table | rows |",
            "| --- | ---: |",
            *(f"| {name} | {count:,} |" for name, count in self.facts["portfolio"].items()),
            "",
            "## Requests",
            "",
            "| request | as | n | median ms | p95 ms | req/s | alone ms | queries | SQL ms | KB | target | |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for index, m in enumerate(self.measurements):
            if index == 0:
                target, verdict = "baseline", ""
            else:
                checks = [m.median <= MEDIAN_FACTOR * baseline]
                target = f"median ≤ {MEDIAN_FACTOR * baseline:.1f} ms"
                if m.scenario.is_list:
                    checks.append(m.p95 < LIST_P95_MS)
                    target += f", p95 < {LIST_P95_MS} ms"
                verdict = "pass" if all(checks) and not m.errors else "**miss**"
            errors = f" ({', '.join(f'{k}: {v}' for k, v in m.errors.items())} errors)" if m.errors else ""
            lines.append(
                f"| {m.scenario.name}{errors} | {m.scenario.who} | {m.count} | {m.median:.1f} | {m.p95:.1f} | "
                f"{m.rate:.1f} | {m.alone_ms:.1f} | {m.queries} | "
                f"{m.sql_ms:.1f} | {m.bytes_per_response / 1024:.1f} | {target} | {verdict} |"
            )
        lines += [
            "",
            "Alone ms, queries and SQL ms: one request of the kind sent once more through Django's test client "
            "in the benchmark process, against the same database, with none of the benchmark's load running: "
            "the work one request costs, without the queueing of the concurrent run.",
            "",
            "## Background recalculation (one worker)",
            "",
            "| run | projects | finished | chunks | seconds | projects/s | target | |",
            "| --- | ---: | ---: | --- | ---: | ---: | --- | --- |",
        ]
        for row in self.recalculations:
            verdict = "pass" if row["rate"] >= RECALCULATION_PER_SECOND else "**miss**"
            lines.append(
                f"| {row['name']} | {row['projects']:,} | {row['done']:,} | {row['chunks']} | {row['seconds']:.1f} | "
                f"{row['rate']:.0f} | ≥ {RECALCULATION_PER_SECOND} /s | {verdict} |"
            )
        nightly = self.recalculations[-1]
        if nightly["done"] < nightly["projects"]:
            lines += [
                "",
                f"The nightly run was followed for {self.options.nightly_seconds:.0f} s and its rate taken from the "
                "chunks finished by then; the rest was discarded.",
            ]
        lines += ["", "## Targets (issue #7)", ""]
        lines += self.targets(baseline)
        lines += ["", "## Slowest queries, with their plans", ""]
        if not self.plans:
            lines.append("No query took 5 ms or more.")
        for where, ms, query, plan in sorted(self.plans, key=lambda item: -item[1]):
            lines += [
                f"<details><summary>{where}: {ms:.1f} ms</summary>",
                "",
                "```sql",
                query if len(query) < 4000 else query[:4000] + " …",
                "```",
                "",
                "```",
                plan,
                "```",
                "</details>",
                "",
            ]
        lines.append(f"Phases (s): {', '.join(f'{name} {seconds:.0f}' for name, seconds in self.timings.items())}.")
        return "\n".join(lines)

    def targets(self, baseline) -> list[str]:
        lines = []
        slow = [m for m in self.measurements[1:] if m.median > MEDIAN_FACTOR * baseline]
        lines.append(
            f"- Every listed request's median within {MEDIAN_FACTOR}× the trivial endpoint's "
            f"({baseline:.1f} ms → {MEDIAN_FACTOR * baseline:.1f} ms): "
            + ("**pass**" if not slow else f"**miss** for {len(slow)} of {len(self.measurements) - 1}")
            + "."
        )
        lists = [m for m in self.measurements if m.scenario.is_list]
        slow_lists = [m for m in lists if m.p95 >= LIST_P95_MS]
        lines.append(
            f"- p95 under {LIST_P95_MS} ms for the list endpoints: "
            + ("**pass**" if not slow_lists else f"**miss** for {len(slow_lists)} of {len(lists)}")
            + f" ({', '.join(f'{m.scenario.who}: {m.p95:.0f} ms' for m in lists)})."
        )
        rates = [row for row in self.recalculations if "again" not in row["name"]]
        observed = ", ".join("{}: {:.0f}/s".format(row["name"], row["rate"]) for row in rates)
        lines.append(
            f"- Recalculation at least {RECALCULATION_PER_SECOND} projects per second per worker: "
            + ("**pass**" if all(row["rate"] >= RECALCULATION_PER_SECOND for row in rates) else "**miss**")
            + f" ({observed})."
        )
        return lines


def _commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"`{commit}`" + (" with local changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def _cpu() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _load(values) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    sys.exit(main())
