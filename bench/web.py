"""The web requests measured: who sends what, their warm latency under load, and their queries alone.

Runs after ``django.setup()`` on the benchmark's database: the accounts signing in are the
generated portfolio's (``tooling.portfolio``), and the queries are counted through Django's test
client in this process, against the same database the stack serves. The Django modules are
imported inside the functions because they can be imported only after ``django.setup()``, which
``bench.run`` calls once the benchmark's settings are in the environment.
"""

import time

from bench.load import HttpTarget, Kind, Measurement, Scenario


def scenarios(target: HttpTarget, facts: dict) -> list[Scenario]:
    """Each kind of request, as the people who send it most: a token for the API, a session for pages."""
    from accounts.models import User
    from projects.models import Project
    from tenancy.services import token_issue
    from tooling.portfolio import DEFAULT_PASSWORD

    users = {name: User.objects.get(username=f"bench-{name}") for name in ("lead", "viewer", "admin", "approver")}
    tokens = {name: token_issue(user=user, name="benchmark")[1] for name, user in users.items()}
    project = (
        Project.objects.filter(delivery_lead=users["lead"], standing__assessment__isnull=False).order_by("pk").first()
    )
    leads_clients = users["lead"].memberships.count()
    facts["detail_project"] = project.pk
    sessions = {name: target.login(users[name].username, DEFAULT_PASSWORD) for name in ("lead", "admin", "approver")}

    def api(name):
        return {"Authorization": f"Bearer {tokens[name]}", "Accept": "application/json"}

    def page(name):
        return {"Cookie": f"sessionid={sessions[name]}", "Accept": "text/html"}

    lead = f"delivery lead ({leads_clients} clients)"
    return [
        Scenario("Trivial endpoint (baseline) GET /health/live", "anyone", "/health/live", Kind.BASELINE),
        *(
            Scenario(
                "API project list, page of 50",
                who,
                "/api/v1/projects/?page_size=50",
                Kind.API_LIST,
                api(name),
                ("token", tokens[name]),
            )
            for name, who in (("lead", lead), ("viewer", "client viewer"), ("admin", "platform admin"))
        ),
        Scenario(
            "API project detail",
            lead,
            f"/api/v1/projects/{project.pk}/",
            Kind.API_DETAIL,
            api("lead"),
            ("token", tokens["lead"]),
        ),
        Scenario(
            "Project page /projects/<id>/",
            lead,
            f"/projects/{project.pk}/",
            Kind.PROJECT_PAGE,
            page("lead"),
            ("session", users["lead"]),
        ),
        Scenario("Dashboard /", lead, "/", Kind.DASHBOARD, page("lead"), ("session", users["lead"])),
        Scenario("Dashboard /", "platform admin", "/", Kind.DASHBOARD, page("admin"), ("session", users["admin"])),
        Scenario(
            "Approval inbox /inbox/",
            "client approver",
            "/inbox/",
            Kind.INBOX,
            page("approver"),
            ("session", users["approver"]),
        ),
        Scenario("Approval inbox /inbox/", lead, "/inbox/", Kind.INBOX, page("lead"), ("session", users["lead"])),
        Scenario(
            "Project list page /projects/",
            lead,
            "/projects/",
            Kind.PROJECT_LIST_PAGE,
            page("lead"),
            ("session", users["lead"]),
        ),
    ]


def measure_under_load(target: HttpTarget, measurements: list[Measurement], options) -> None:
    """The warm figures: each request from concurrent keep-alive clients, after a warm-up, printed as it finishes."""
    for measurement in measurements:
        target.measure(
            measurement,
            requests=options.requests,
            seconds=options.seconds,
            concurrency=options.concurrency,
            warmup=options.warmup,
        )
        warm, scenario = measurement.warm, measurement.scenario
        print(
            f"   {scenario.name} — {scenario.who}: warm n={warm.count} median {warm.median:.1f} ms, "
            f"p95 {warm.p95:.1f} ms, {measurement.warm_rate:.1f}/s"
            + (f", errors {warm.errors}" if warm.errors else ""),
            flush=True,
        )


def count_queries(measurements: list[Measurement], *, explain: bool = True) -> list[tuple[str, float, str, str]]:
    """Fill each measurement's queries, cold and warm, alone in this process; return the slow plans.

    Cold is the first request after the process's own warm-up, warm the one after it (the product
    keeps no cached reads, so both run the same queries); the cold request's SELECT
    statements are kept for the database floor (``bench.cold``), and the slowest cold SELECTs
    taking 5 ms or more are explained once each (unless ``explain`` is off).
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def timed(client, scenario, headers):
        begun = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(scenario.path, headers=headers)
        elapsed = (time.perf_counter() - begun) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{scenario.path} answered {response.status_code} to the test client.")
        return elapsed, [(float(query["time"]) * 1000, query["sql"]) for query in captured.captured_queries]

    plans = []
    explained = set()
    for measurement in measurements:
        scenario = measurement.scenario
        client = Client()
        headers = {}
        if scenario.auth and scenario.auth[0] == "session":
            client.force_login(scenario.auth[1])
        elif scenario.auth:
            headers["Authorization"] = f"Bearer {scenario.auth[1]}"
        client.get(scenario.path, headers=headers)  # the process's own warm-up (imports, templates)
        _, cold = timed(client, scenario, headers)
        measurement.cold_queries = len(cold)
        measurement.cold_sql_ms = sum(ms for ms, _ in cold)
        measurement.cold_statements = [query for _, query in cold if is_select(query)]
        _, warm = timed(client, scenario, headers)
        measurement.queries = len(warm)
        measurement.sql_ms = sum(ms for ms, _ in warm)
        measurement.slowest = sorted(cold, reverse=True)[:2]
        for ms, query in measurement.slowest if explain else ():
            if ms < 5 or query in explained or not is_select(query):
                continue
            explained.add(query)
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append((f"{scenario.name} — {scenario.who}", ms, query, plan))
    return plans


def is_select(query: str) -> bool:
    """Whether ``query`` reads: a SELECT, also one in parentheses, as Django writes the parts of a
    UNION (the reader's grants on the API list)."""
    return query.lstrip("( \t\n").upper().startswith("SELECT")
