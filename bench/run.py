"""``make bench``: Stagegate at scale, measured end to end, written to ``docs/performance.md``.

1. A fresh PostgreSQL database (``stagegate_bench``) on the local server, migrated, with the
   default generated portfolio (``manage.py generate_portfolio``: 1,000 clients, 50,000 projects,
   200,000 per-project permission rows, 500,000 audit events, 20,000 approval requests; at another
   ``--projects`` the per-project rows in the same proportion), then ``VACUUM ANALYZE`` as a
   long-running database would have had from autovacuum.
2. The production stack: gunicorn with several workers on production settings (plain HTTP on
   127.0.0.1, so ``SECURE_SSL_REDIRECT=false``) and one Celery worker on its own Redis database.
3. Each request once through Django's test client in this process, cold and warm, to count its
   queries (the slowest cold ones run again under ``EXPLAIN ANALYZE``) and to take the SQL of the
   API project list for its database floor.
4. The primary figures (``bench.cold``): every request cold (one at a time), over
   ``--rounds`` interleaved rounds, median and p95, with the API list's database floor measured
   in the same rounds; then the warm figures: concurrent keep-alive clients after a warm-up, the
   same request repeated, median, p95 and requests per second.
5. The cost fan-out after a price change and the nightly run, with the one worker, in projects
   per second.
6. With ``--growth``, a portfolio at each of ``--growth-sizes`` as well, each in a database of its
   own (``stagegate_bench_5000``, …) served by a gunicorn of its own; their cold requests are
   measured in the same rounds as the full run's, for the growth table.

Everything it starts is stopped on the way out, failure or not. The databases are left in place
for inspection and dropped by the next run that builds them.

    make bench
    make bench BENCH_ARGS="--tenants 100 --projects 5000 --rounds 20"   # a quick try
    make bench BENCH_ARGS="--growth"                                   # and the growth table
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
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # also as ``python bench/run.py``

from bench import cold, recalculation, report, speed, web  # noqa: E402
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
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(env("BENCH_ROUNDS", 60)),
        help="cold rounds: every request once a round, nothing cached, one at a time (the primary figures)",
    )
    parser.add_argument("--concurrency", type=int, default=int(env("BENCH_CONCURRENCY", 4)), help="warm run")
    parser.add_argument(
        "--requests", type=int, default=int(env("BENCH_REQUESTS", 300)), help="warm run, per request type"
    )
    parser.add_argument(
        "--seconds", type=float, default=float(env("BENCH_SECONDS", 15)), help="warm run, cap per request type"
    )
    parser.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", 20)), help="warm run")
    parser.add_argument(
        "--nightly-seconds",
        type=float,
        default=float(env("BENCH_NIGHTLY_SECONDS", 120)),
        help="how long to follow the nightly run before taking its rate (it runs on, then is stopped)",
    )
    parser.add_argument("--output", type=Path, default=Path(env("BENCH_OUTPUT", ROOT / "docs" / "performance.md")))
    # Portfolio size: the generator's defaults unless given; the per-project rows follow --projects.
    for name in ("tenants", "projects", "permission-rows", "audit-events", "approval-requests", "lead-tenants"):
        parser.add_argument(f"--{name}", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--growth",
        action="store_true",
        help="also measure the cold requests at each of --growth-sizes, in the same rounds: the growth table",
    )
    parser.add_argument(
        "--growth-sizes",
        type=_sizes,
        default=_sizes(env("BENCH_GROWTH_SIZES", "5000,50000,200000")),
        help="projects of each portfolio --growth measures, comma-separated (default 5000,50000,200000)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database an earlier run left (no fresh portfolio): for trying a change, not for the report",
    )
    parser.add_argument("--web-only", action="store_true", help="skip the recalculation runs")
    options = parser.parse_args(argv)
    if options.growth and options.reuse:
        parser.error("--growth builds a fresh portfolio for each size: it cannot --reuse one.")
    return options


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers of projects: {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("every size is at least one project")
    return sizes


# --- The run ----------------------------------------------------------------------------------


@dataclass
class Portfolio:
    """One generated portfolio and what was measured on it: a column of the growth table."""

    projects: int
    #: The database it lives in: ``--database`` for the full run's, the size appended for the others.
    database: str = ""
    command: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    generate_seconds: float = 0.0
    measurements: list[Measurement] = field(default_factory=list)
    #: Other processes ready to run, sampled before each cold request (``bench.cold``): with
    #: ``--growth`` the same samples for every portfolio, measured in the same rounds.
    others_running: list[int] = field(default_factory=list)
    #: The gunicorn (and, for the full run's, the worker) serving it while it is measured.
    stack: Stack | None = field(default=None, repr=False)


class BenchRun:
    """One benchmark: each step in order, what it measured, and the processes it started."""

    def __init__(self, options):
        self.options = options
        self.logs = Path(tempfile.mkdtemp(prefix="stagegate-bench-"))
        self.timings: dict[str, float] = {}
        self.facts: dict = {}
        #: Every portfolio measured, in order; the last is the full run the report leads with.
        self.portfolios: list[Portfolio] = []
        self.recalculations: list[dict] = []
        self.plans: list[tuple[str, float, str, str]] = []

    @property
    def main(self) -> Portfolio:
        return self.portfolios[-1]

    # --- Orchestration ------------------------------------------------------------------------

    def execute(self):
        self.facts["load_before"] = os.getloadavg()
        self.step("services", self.check_services)
        self.environment()
        self.step("django", self.setup_django)
        self.step("collectstatic", lambda: self.manage("collectstatic", "--noinput"))
        if self.options.reuse:
            self.step("migrate", lambda: self.manage("migrate", "--noinput"))
            self.step("the database as it is", self.existing_database)
        else:
            for projects in self.sizes():
                self.build(projects)
        self.measure()
        self.facts["load_after"] = os.getloadavg()
        self.stop_processes()
        if self.options.reuse or self.options.web_only:
            print("\n(--reuse / --web-only: a trial run; docs/performance.md is left as it is)")
            print(report.render(self))
        else:
            self.write_report()

    def sizes(self) -> list[int]:
        """The portfolios to measure, in order: the growth sizes, smallest first, then the full run's."""
        from tooling.portfolio import PortfolioSpec

        main = self.options.projects or PortfolioSpec().projects
        others = sorted(set(self.options.growth_sizes) - {main}) if self.options.growth else []
        return [*others, main]

    def step(self, name, work, portfolio=None):
        if self.options.growth and portfolio is not None:
            name = f"{name} ({portfolio.projects:,} projects)"
        print(f"== {name}", flush=True)
        begun = time.monotonic()
        result = work()
        self.timings[name] = time.monotonic() - begun
        print(f"   {self.timings[name]:.1f} s", flush=True)
        return result

    def check_services(self):
        import psycopg
        import redis

        try:
            import gunicorn  # noqa: F401
        except ImportError:
            raise RuntimeError("gunicorn is missing: pip install -r requirements/production.txt") from None

        with psycopg.connect(f"{self.options.server}/postgres", connect_timeout=5) as conn:
            self.facts["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
            # Before anything of the benchmark's own loads the machine.
            self.facts["speed"] = (speed.python_reference(), speed.postgresql_reference(conn))
        client = redis.Redis.from_url(self.options.redis, socket_connect_timeout=5)
        self.facts["redis"] = client.info("server")["redis_version"]
        client.close()
        self.flush_redis()

    def flush_redis(self):
        """Empty the benchmark's own Redis database: nothing queued or cached from an earlier run."""
        import redis

        client = redis.Redis.from_url(self.options.redis, socket_connect_timeout=5)
        client.flushdb()
        client.close()

    def build(self, projects: int):
        """A fresh database with a generated portfolio of ``projects`` projects, migrated and analysed:
        the full run's in ``--database``, each other size's in a database of its own beside it."""
        main = projects == self.sizes()[-1]
        portfolio = Portfolio(projects=projects, database=self.options.database + ("" if main else f"_{projects}"))
        self.portfolios.append(portfolio)
        self.step("fresh database", lambda: self.fresh_database(portfolio.database), portfolio)
        self.use(portfolio)
        self.step("migrate", lambda: self.manage("migrate", "--noinput"), portfolio)
        self.step("generate portfolio", lambda: self.generate(portfolio), portfolio)
        self.step("vacuum analyze", self.vacuum, portfolio)

    def use(self, portfolio: Portfolio):
        """Point this process (Django's connection, and ``manage.py`` run from it) at ``portfolio``'s database."""
        from django.db import connections

        os.environ["DATABASE_URL"] = f"{self.options.server}/{portfolio.database}"
        connections["default"].close()
        connections["default"].settings_dict["NAME"] = portfolio.database

    def fresh_database(self, name: str):
        import psycopg
        from django.db import connections
        from psycopg import sql

        connections.close_all()  # this process's connection to the database about to go
        with psycopg.connect(f"{self.options.server}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.flush_redis()

    def existing_database(self):
        from projects.models import Project

        self.portfolios.append(
            Portfolio(
                projects=Project.objects.count(),
                database=self.options.database,
                command="(an earlier run's portfolio, --reuse)",
            )
        )

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

    def generate(self, portfolio: Portfolio):
        args = ["generate_portfolio", *portfolio_arguments(self.options, portfolio.projects)]
        begun = time.monotonic()
        output = self.manage(*args)
        portfolio.generate_seconds = time.monotonic() - begun
        portfolio.command = "python manage.py " + " ".join(args)
        portfolio.counts = {
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

    def measure(self):
        """Each portfolio served by a gunicorn of its own and its requests cold, all in the same
        rounds; then, on the full run's, the warm requests and the recalculation."""
        main = self.main
        for portfolio in self.portfolios:
            self.use(portfolio)
            portfolio.stack = Stack(
                logs=self.logs / str(portfolio.projects),
                database_url=os.environ["DATABASE_URL"],
                worker=portfolio is main,
            )
            name = "start gunicorn and the worker" if portfolio is main else "start gunicorn"
            target = self.step(name, lambda p=portfolio: self.start(p), portfolio)
            portfolio.measurements = [Measurement(scenario) for scenario in web.scenarios(target, self.facts)]
            plans = self.step(
                "queries per request",
                lambda p=portfolio: web.count_queries(p.measurements, explain=p is main),
                portfolio,
            )
        self.plans = plans  # the full run's, measured last
        self.use(main)  # the floors are measured on this process's connection
        served = [cold.Served(p.stack.target, p.measurements, floors=p is main) for p in self.portfolios]
        others = self.step(
            "cold requests", lambda: cold.measure_cold(served, rounds=self.options.rounds, seed=self.options.seed)
        )
        for portfolio in self.portfolios:
            portfolio.others_running = others
            for m in portfolio.measurements:
                size = f"{portfolio.projects:,} projects: " if len(self.portfolios) > 1 else ""
                floor = f", floor {m.floor.median:.1f} ms" if m.floor else ""
                errors = f", errors {m.cold.errors}" if m.cold.errors else ""
                print(
                    f"   {size}{m.scenario.name} — {m.scenario.who}: cold median {m.cold.median:.1f} ms, "
                    f"p95 {m.cold.p95:.1f} ms{floor}{errors}",
                    flush=True,
                )
            if portfolio is not main:
                portfolio.stack.stop()
        self.step("warm requests", lambda: web.measure_under_load(main.stack.target, main.measurements, self.options))
        if not self.options.web_only:
            self.step("recalculation", self.measure_recalculation)
        self.stop_processes()

    def start(self, portfolio: Portfolio):
        return portfolio.stack.start(workers=self.options.workers, threads=self.options.threads)

    def stop_processes(self):
        for portfolio in self.portfolios:
            if portfolio.stack is not None:
                portfolio.stack.stop()

    def measure_recalculation(self):
        self.recalculations = recalculation.measure_recalculation(nightly_seconds=self.options.nightly_seconds)

    def write_report(self):
        text = report.write(self, self.options.output)
        print("\n" + text)


def portfolio_arguments(options, projects: int) -> list[str]:
    """``generate_portfolio``'s arguments for ``projects`` projects: the default portfolio's shape at that size
    (``PortfolioSpec.scaled``), each count given on the command line kept as given."""
    from tooling.portfolio import PortfolioSpec

    spec = PortfolioSpec(seed=options.seed).scaled(projects=projects, tenants=options.tenants)
    given = {
        name: getattr(options, name)
        for name in ("permission_rows", "audit_events", "approval_requests", "lead_tenants")
        if getattr(options, name) is not None
    }
    spec = replace(spec, **given)
    arguments = ["--seed", str(spec.seed)]
    for name in ("tenants", "projects", "permission_rows", "audit_events", "approval_requests", "lead_tenants"):
        arguments += [f"--{name.replace('_', '-')}", str(getattr(spec, name))]
    return arguments


if __name__ == "__main__":
    sys.exit(main())
