"""``make bench``'s report on tiny made-up figures: the targets of issue 18, the growth table, the
machine's load, the cold rounds' order and the portfolio's sizes. No server, no generated portfolio."""

import http.server
import itertools
import threading
import time
import types

import pytest

from bench import cold, report, speed, web
from bench.load import HttpTarget, Kind, Measurement, Scenario, Series
from bench.run import Portfolio, _arguments, portfolio_arguments

LEAD = "delivery lead (200 clients)"
NAMES = {
    Kind.BASELINE: "Trivial endpoint (baseline) GET /health/live",
    Kind.API_LIST: "API project list, page of 50",
    Kind.API_DETAIL: "API project detail",
    Kind.PROJECT_PAGE: "Project page /projects/<id>/",
    Kind.DASHBOARD: "Dashboard /",
    Kind.INBOX: "Approval inbox /inbox/",
    Kind.PROJECT_LIST_PAGE: "Project list page /projects/",
}


def measured(kind, cold_ms, *, who=LEAD, floor_ms=None, warm_ms=None, errors=None):
    m = Measurement(Scenario(NAMES[kind], who, "/", kind), cold=Series(list(cold_ms), dict(errors or {})))
    if floor_ms is not None:
        m.floor = Series(list(floor_ms))
        m.cold_statements = ["SELECT 1", "SELECT 2"]
    if warm_ms is not None:
        m.warm, m.warm_seconds = Series(list(warm_ms)), 1.0
    m.queries, m.cold_queries, m.cold_sql_ms, m.bytes_per_response = 1, 4, 3.5, 2048
    return m


def every_row(*, list_ms=(10.0,) * 20, floor_ms=(4.0,) * 20, dashboard_ms=(80.0,), admin_ms=(90.0,), page_ms=(30.0,)):
    return [
        measured(Kind.BASELINE, [1.0], warm_ms=[1.0]),
        measured(Kind.API_LIST, list_ms, floor_ms=floor_ms, warm_ms=[5.0]),
        measured(Kind.API_LIST, [9.0], who="platform admin", floor_ms=[4.0], warm_ms=[5.0]),
        measured(Kind.API_DETAIL, [500.0]),  # no target: never a miss
        measured(Kind.PROJECT_PAGE, page_ms),
        measured(Kind.DASHBOARD, dashboard_ms),
        measured(Kind.DASHBOARD, admin_ms, who="platform admin"),
        measured(Kind.INBOX, [700.0]),
        measured(Kind.PROJECT_LIST_PAGE, [50.0]),
    ]


FAST_RECALCULATION = [
    {"name": "Fan-out", "floor": False, "rate": 2500.0, "projects": 10, "done": 10, "chunks": "1 of 1", "seconds": 1.0},
    {"name": "Again", "floor": True, "rate": 9000.0, "projects": 10, "done": 10, "chunks": "1 of 1", "seconds": 1.0},
    {"name": "Nightly", "floor": False, "rate": 2100.0, "projects": 50, "done": 20, "chunks": "2 of 5", "seconds": 9.5},
]


def verdicts_by_name(measurements, portfolios=(), recalculations=FAST_RECALCULATION):
    verdicts = report.targets(measurements, list(portfolios), recalculations)
    return {verdict.target.split(":")[0]: verdict for verdict in verdicts}


def test_every_target_holds_on_figures_within_them():
    verdicts = verdicts_by_name(every_row())
    assert {name: v.held for name, v in verdicts.items()} == {
        "API project list": True,
        "Dashboard (lead and admin)": True,
        "Project list page": True,
        "Project page": True,
        "Dashboard and project list page": None,  # no --growth: not measured, not a pass
        "Recalculation": True,
    }
    assert "delivery lead (200 clients): median 10.0 ms = 2.5× its floor of 4.0 ms, p95 10 ms" in (
        verdicts["API project list"].observed
    )
    assert verdicts["Recalculation"].observed == "Fan-out: 2,500/s, Nightly: 2,100/s"


@pytest.mark.parametrize(
    ("rows", "missed"),
    [
        # More than three times its floor: 13 ms against 4 ms.
        (every_row(list_ms=[13.0] * 20), "API project list"),
        # Within the floor's factor, but two requests in twenty (the nearest-rank p95) at 50 ms.
        (every_row(list_ms=[10.0] * 18 + [50.0] * 2, floor_ms=[20.0] * 20), "API project list"),
        # The admin's dashboard alone is slow: the lead's fast one does not make up for it.
        (every_row(admin_ms=[100.0]), "Dashboard (lead and admin)"),
        (every_row(page_ms=[40.0]), "Project page"),
    ],
)
def test_a_figure_beyond_its_target_is_a_miss(rows, missed):
    verdicts = verdicts_by_name(rows)
    assert verdicts[missed].held is False
    assert [name for name, v in verdicts.items() if v.held is False] == [missed]


def test_a_request_that_failed_is_a_miss_even_when_fast():
    rows = every_row()
    rows[5].cold.errors = {"500": 1}
    verdict = verdicts_by_name(rows)["Dashboard (lead and admin)"]
    assert verdict.held is False
    assert "(500: 1 errors)" in verdict.observed


def test_a_slow_recalculation_misses_and_one_not_run_is_not_measured():
    slow = [dict(FAST_RECALCULATION[0], rate=1999.0), *FAST_RECALCULATION[1:]]
    assert verdicts_by_name(every_row(), recalculations=slow)["Recalculation"].held is False
    not_run = verdicts_by_name(every_row(), recalculations=[])["Recalculation"]
    assert not_run.held is None
    assert not_run.observed == "not run: `--web-only`"


def test_the_summary_names_what_holds_what_misses_and_what_was_not_measured():
    verdicts = report.targets(every_row(page_ms=[41.0]), [], [])
    assert report.summary(verdicts) == (
        "Hold (3 of 6): API project list; Dashboard (lead and admin); Project list page. "
        "Miss (1): Project page. "
        "Not measured by this run (2): Dashboard and project list page; Recalculation."
    )


def portfolio(projects, *, dashboard, admin, list_page, others=(0,)):
    rows = [
        measured(Kind.BASELINE, [1.0]),
        measured(Kind.DASHBOARD, [dashboard]),
        measured(Kind.DASHBOARD, [admin], who="platform admin"),
        measured(Kind.PROJECT_LIST_PAGE, [list_page]),
        measured(Kind.PROJECT_PAGE, [30.0]),
    ]
    return Portfolio(
        projects=projects,
        command=f"generate {projects}",
        generate_seconds=2.0,
        measurements=rows,
        others_running=list(others),
    )


def test_the_growth_table_compares_the_largest_portfolio_with_the_targets_size():
    portfolios = [
        portfolio(5_000, dashboard=50.0, admin=50.0, list_page=40.0, others=(0, 1)),
        portfolio(200_000, dashboard=110.0, admin=80.0, list_page=70.0),
        portfolio(50_000, dashboard=80.0, admin=60.0, list_page=50.0),  # the full run comes last
    ]
    table = report.growth_table(portfolios)
    assert table[2] == "| request | as | 5,000 | 50,000 | 200,000 | 200,000 ÷ 50,000 | target | |"
    assert f"| Dashboard / | {LEAD} | 50.0 | 80.0 | 110.0 | 1.38× | ≤ 1.5× | pass |" in table
    assert "| Dashboard / | platform admin | 50.0 | 60.0 | 80.0 | 1.33× | ≤ 1.5× | pass |" in table
    assert f"| Project list page /projects/ | {LEAD} | 40.0 | 50.0 | 70.0 | 1.40× | ≤ 1.5× | pass |" in table
    # The project page has no growth target: its ratio is shown, not judged.
    assert f"| Project page /projects/<id>/ | {LEAD} | 30.0 | 30.0 | 30.0 | 1.00× |  | |" in table
    assert table[-4] == "- 5,000 projects: `generate 5000` in 2 s."
    assert "every request of every size once, all in one shuffled order" in table[-6]

    verdict = report.growth_verdict(portfolios)
    assert verdict.target == "Dashboard and project list page: at 200,000 projects within 1.5× of their 50,000 figure"
    assert verdict.held is True

    portfolios[1].measurements[2].cold = Series([91.0])  # the admin's dashboard at 200,000: 1.52×
    assert report.growth_verdict(portfolios).held is False
    assert "| Dashboard / | platform admin | 50.0 | 60.0 | 91.0 | 1.52× | ≤ 1.5× | **miss** |" in (
        report.growth_table(portfolios)
    )


def test_tiny_growth_sizes_compare_the_largest_with_the_next_smaller():
    portfolios = [
        portfolio(2_000, dashboard=20.0, admin=20.0, list_page=20.0),
        portfolio(5_000, dashboard=40.0, admin=30.0, list_page=30.0),
    ]
    assert report.growth_table(portfolios)[2].endswith("| 5,000 ÷ 2,000 | target | |")
    verdict = report.growth_verdict(portfolios)
    assert verdict.held is False
    assert verdict.observed == (
        f"Dashboard, {LEAD}: 2.00×, Dashboard, platform admin: 1.50×, Project list page, {LEAD}: 1.50×"
    )


def test_a_size_where_a_request_always_failed_is_not_measured_there():
    portfolios = [
        portfolio(5_000, dashboard=50.0, admin=50.0, list_page=40.0),
        portfolio(50_000, dashboard=60.0, admin=60.0, list_page=50.0),
    ]
    portfolios[1].measurements[3].cold = Series([], {"500": 20})
    assert f"| Project list page /projects/ | {LEAD} | 40.0 | — | — | ≤ 1.5× | not measured |" in (
        report.growth_table(portfolios)
    )
    assert report.growth_verdict(portfolios).held is None


def test_the_machine_is_called_busy_when_others_used_it():
    idle = report.machine_load((0.1, 0.2, 0.3), (1.5, 0.9, 0.4), 2, [0, 0, 1, 0])
    assert "2 CPUs" in idle
    assert "before the run 0.10, 0.20, 0.30, after it 1.50, 0.90, 0.40" in idle
    assert "0.2 on average, at most 1" in idle
    assert "busy" not in idle
    assert idle.endswith("Nothing else was using the machine to speak of.")

    busy_before = report.machine_load((1.2, 0.5, 0.3), (1.5, 0.9, 0.4), 2, [0, 0])
    assert "**The machine was busy** (a 1-minute load average of 1.20 before the run started, on 2 CPUs)" in (
        busy_before
    )
    busy_during = report.machine_load((0.1, 0.2, 0.3), (3.5, 2.9, 1.4), 2, [2, 3, 1])
    assert "2.0 other processes ready to run during the cold rounds" in busy_during
    assert "not sampled" in report.machine_load((0.1, 0.2, 0.3), (0.1, 0.2, 0.3), 2, [])


def test_the_whole_report_renders_and_replaces_only_the_marked_part(tmp_path):
    rows = every_row()
    run = types.SimpleNamespace(
        options=types.SimpleNamespace(
            workers=5, threads=2, rounds=20, concurrency=4, warmup=20, requests=300, seconds=15, nightly_seconds=120
        ),
        facts={
            "postgresql": "15",
            "redis": "7",
            "load_before": (0.1, 0.1, 0.1),
            "load_after": (0.5, 0.2, 0.1),
            "speed": (61.7, 98.4),
        },
        timings={"generate portfolio": 3.0},
        portfolios=[
            portfolio(2_000, dashboard=20.0, admin=20.0, list_page=20.0),
            Portfolio(projects=5_000, command="python manage.py generate_portfolio --projects 5000", measurements=rows),
        ],
        recalculations=FAST_RECALCULATION,
        plans=[("Dashboard / — platform admin", 12.5, "SELECT 1", "Result  (cost=0.00..0.01 rows=1 width=4)")],
    )
    run.main = run.portfolios[-1]
    output = tmp_path / "performance.md"
    output.write_text(f"# Performance\n\nby hand\n\n{report.START_MARK}\nold figures\n{report.END_MARK}\n\nkept\n")
    text = report.write(run, output)

    assert output.read_text() == f"# Performance\n\nby hand\n\n{report.START_MARK}\n{text}\n{report.END_MARK}\n\nkept\n"
    assert "old figures" not in text
    assert "The targets are set at 50,000 projects; this run measured 5,000." in text
    assert f"| API project list, page of 50 | {LEAD} | 10.0 | 10.0 | 20 | median ≤ 3× its floor = 12.0 ms" in text
    assert f"| {LEAD} | 4.0 | 4.0 | 2 | 10.0 | 2.5× |" in text  # the floor table
    assert "| 5,000 ÷ 2,000 |" in text  # the growth table
    assert "| Nightly | 50 | 20 | 2 of 5 | 9.5 | 2100 | ≥ 2,000 /s | pass |" in text
    assert "The nightly run was followed for 120 s" in text
    assert "- Project page: median < 40 ms: pass (delivery lead (200 clients): 30 ms)." in text
    assert "- Speed: the fixed Python work of `bench.speed` took 62 ms and its fixed PostgreSQL query 98 ms" in text
    assert "Hold (5 of 6)" in text
    assert "Miss (1): Dashboard and project list page." in text  # 2,000 → 5,000: twice the time


def test_cold_rounds_send_every_row_once_a_round_in_a_fresh_order():
    orders = cold.round_orders(5, 40, seed=1)
    assert len(orders) == 40
    assert all(sorted(order) == [0, 1, 2, 3, 4] for order in orders)
    assert len({tuple(order) for order in orders}) > 10  # shuffled anew, not one order repeated
    assert {order[0] for order in orders} == {0, 1, 2, 3, 4}  # no row always first
    assert cold.round_orders(5, 40, seed=1) == orders


def test_cold_rounds_interleave_the_requests_of_every_portfolio():
    """Two portfolios, each on a server of its own (a real one on the loopback): every round sends
    each request of both once, mixed in one order, not one portfolio's rounds after the other's."""
    arrivals = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            arrivals.append((self.server.server_port, self.path))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        served = [
            cold.Served(
                HttpTarget("127.0.0.1", server.server_port),
                [Measurement(Scenario(f"row {i}", LEAD, f"/{i}", Kind.DASHBOARD)) for i in range(3)],
            )
            for server in servers
        ]
        cold.measure_cold(served, rounds=20, seed=1)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()

    assert all(m.cold.count == 20 and not m.cold.errors for group in served for m in group.measurements)
    assert all(m.bytes_per_response == 2 for group in served for m in group.measurements)
    rounds = [arrivals[start : start + 6] for start in range(0, len(arrivals), 6)]
    assert len(rounds) == 21  # one unrecorded round first
    every = {(server.server_port, f"/{i}") for server in servers for i in range(3)}
    assert all(set(one_round) == every for one_round in rounds)
    # Mixed: rounds that go from one server to the other and back, and neither always first.
    assert any(sum(a[0] != b[0] for a, b in itertools.pairwise(one_round)) > 1 for one_round in rounds)
    assert {one_round[0][0] for one_round in rounds} == {server.server_port for server in servers}


def test_others_ready_to_run_leave_out_the_reader():
    assert cold.others_ready_to_run("0.52 0.58 0.59 3/467 12345\n") == 2
    assert cold.others_ready_to_run("0.00 0.01 0.05 1/80 99\n") == 0


def test_the_options_for_sizes():
    options = _arguments(["--growth", "--growth-sizes", "5000, 2_000"])
    assert options.growth_sizes == [2000, 5000]
    assert _arguments([]).growth_sizes == [5_000, 50_000, 200_000]
    assert _arguments([]).rounds == 60
    with pytest.raises(SystemExit):
        _arguments(["--growth-sizes", "many"])
    with pytest.raises(SystemExit):
        _arguments(["--growth", "--reuse"])


def test_a_portfolio_keeps_the_default_shape_at_any_size():
    options = _arguments(["--seed", "4"])
    assert portfolio_arguments(options, 200_000) == [
        *("--seed", "4", "--tenants", "1000", "--projects", "200000", "--permission-rows", "800000"),
        *("--audit-events", "2000000", "--approval-requests", "80000", "--lead-tenants", "200"),
    ]
    given = _arguments(["--tenants", "100", "--audit-events", "7"])
    assert portfolio_arguments(given, 5_000) == [
        *("--seed", "1", "--tenants", "100", "--projects", "5000", "--permission-rows", "20000"),
        *("--audit-events", "7", "--approval-requests", "2000", "--lead-tenants", "20"),
    ]


@pytest.mark.parametrize(
    ("query", "reads"),
    [
        ('SELECT "accounts_apitoken"."id" FROM "accounts_apitoken"', True),
        ('(SELECT "a"."id" FROM "a") UNION ALL (SELECT "b"."id" FROM "b")', True),
        ("  select 1", True),
        ('UPDATE "accounts_apitoken" SET "last_used_at" = now()', False),
        ('INSERT INTO "x" VALUES (1)', False),
    ],
)
def test_the_floor_counts_every_read_a_union_of_parenthesised_selects_too(query, reads):
    assert web.is_select(query) is reads


def test_a_speed_reference_is_its_best_time():
    pauses = iter([0.012, 0.003, 0.02, 0.008, 0.015])
    assert 3 <= speed._best(lambda: time.sleep(next(pauses))) < 8
    assert next(pauses, None) is None  # timed every one of its times


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_speed_references_run_on_this_machine_and_its_database():
    from django.db import connection

    connection.ensure_connection()
    assert 0 < speed.python_reference() < 60_000
    assert 0 < speed.postgresql_reference(connection.connection) < 60_000
