"""The benchmark's table, its verdicts against the issue's targets, and ``docs/performance.md``."""

import contextlib
import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"
#: The issue's targets.
MEDIAN_FACTOR = 3
LIST_P95_MS = 100
RECALCULATION_PER_SECOND = 1000
#: Slow queries shown with their plans, slowest first.
PLANS_SHOWN = 6


def write(run, output: Path) -> str:
    """Render the results and put them between the markers of ``output``, keeping the rest of it."""
    text = render(run)
    existing = output.read_text() if output.exists() else ""
    if START_MARK in existing and END_MARK in existing:
        before, rest = existing.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1]
    else:
        before, after = "# Performance\n\n", "\n"
    output.write_text(f"{before}{START_MARK}\n{text}\n{END_MARK}{after}")
    return text


def render(run) -> str:
    import django

    baseline = run.measurements[0].median
    lines = [
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `make bench` "
        f"(`python -m bench.run{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`), at commit {_commit()}.",
        "",
        f"- Machine: {_cpu()}, {os.cpu_count()} cores, {_memory()} memory; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {run.facts['postgresql']}, Redis {run.facts['redis']}.",
        f"- Load average (1, 5, 15 min) before: {_load(run.facts['load_before'])}; after: "
        f"{_load(run.facts['load_after'])}. Others were using this machine at the same time, so the "
        "numbers carry noise; compare runs, not single figures.",
        f"- Server: gunicorn, {run.options.workers} gthread workers × {run.options.threads} threads, "
        f"production settings over plain HTTP; one Celery worker (solo pool). Clients: {run.options.concurrency} "
        f"concurrent keep-alive connections, {run.options.warmup} warm-up requests, then up to "
        f"{run.options.requests} requests or {run.options.seconds:.0f} s per row.",
        f"- Portfolio: `{run.facts['generate_command']}` in {run.timings.get('generate portfolio', 0):.0f} s; then "
        f"`VACUUM ANALYZE` ({run.timings.get('vacuum analyze', 0):.0f} s).",
        "",
        "| table | rows |",
        "| --- | ---: |",
        *(f"| {name} | {count:,} |" for name, count in run.facts["portfolio"].items()),
        "",
        "## Requests",
        "",
        "| request | as | n | median ms | p95 ms | req/s | alone ms | queries | cold ms | cold queries | cold SQL ms "
        "| KB | target | |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for index, m in enumerate(run.measurements):
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
            f"{m.rate:.1f} | {m.alone_ms:.1f} | {m.queries} | {m.cold_ms:.1f} | {m.cold_queries} | "
            f"{m.cold_sql_ms:.1f} | {m.bytes_per_response / 1024:.1f} | {target} | {verdict} |"
        )
    lines += [
        "",
        "The concurrent run (median, p95, req/s) repeats the same request, so after the first it is served "
        "from the cached reads (`tenancy.freshness`), as a person reloading a page or a ticketing tool "
        "polling a list is. Alone ms and queries: the request sent once more through Django's test client "
        "in the benchmark process, with none of the benchmark's load running, its cached reads warm. Cold: "
        "the same with nothing cached (`freshness.reset()` first), as after any change to what the page "
        "shows; the plans below are of the cold queries.",
        "",
        "## Background recalculation (one worker)",
        "",
        "| run | projects | finished | chunks | seconds | projects/s | target | |",
        "| --- | ---: | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for row in run.recalculations:
        if row["floor"]:
            target, verdict = "the floor: nothing to store", ""
        else:
            target = f"≥ {RECALCULATION_PER_SECOND} /s"
            verdict = "pass" if row["rate"] >= RECALCULATION_PER_SECOND else "**miss**"
        lines.append(
            f"| {row['name']} | {row['projects']:,} | {row['done']:,} | {row['chunks']} | {row['seconds']:.1f} | "
            f"{row['rate']:.0f} | {target} | {verdict} |"
        )
    nightly = run.recalculations[-1] if run.recalculations else None
    if nightly and nightly["done"] < nightly["projects"]:
        lines += [
            "",
            f"The nightly run was followed for {run.options.nightly_seconds:.0f} s and its rate taken from the "
            "chunks finished by then; the rest was discarded.",
        ]
    lines += ["", "## Targets (issue #7)", ""]
    lines += targets(run, baseline)
    lines += ["", "## Slowest queries, with their plans", ""]
    if not run.plans:
        lines.append("No query took 5 ms or more.")
    for where, ms, query, plan in sorted(run.plans, key=lambda item: -item[1])[:PLANS_SHOWN]:
        lines += [
            f"<details><summary>{where}: {ms:.1f} ms</summary>",
            "",
            "```sql",
            query if len(query) < 4000 else query[:4000] + " …",
            "```",
            "",
            "```",
            "\n".join(line if len(line) < 300 else line[:300] + " …" for line in plan.splitlines()),
            "```",
            "</details>",
            "",
        ]
    lines.append(f"Phases (s): {', '.join(f'{name} {seconds:.0f}' for name, seconds in run.timings.items())}.")
    return "\n".join(lines)


def targets(run, baseline) -> list[str]:
    lines = []
    slow = [m for m in run.measurements[1:] if m.median > MEDIAN_FACTOR * baseline]
    lines.append(
        f"- Every listed request's median within {MEDIAN_FACTOR}× the trivial endpoint's "
        f"({baseline:.1f} ms → {MEDIAN_FACTOR * baseline:.1f} ms): "
        + ("**pass**" if not slow else f"**miss** for {len(slow)} of {len(run.measurements) - 1}")
        + "."
    )
    lists = [m for m in run.measurements if m.scenario.is_list]
    slow_lists = [m for m in lists if m.p95 >= LIST_P95_MS]
    lines.append(
        f"- p95 under {LIST_P95_MS} ms for the list endpoints: "
        + ("**pass**" if not slow_lists else f"**miss** for {len(slow_lists)} of {len(lists)}")
        + f" ({', '.join(f'{m.scenario.who}: {m.p95:.0f} ms' for m in lists)})."
    )
    rates = [row for row in run.recalculations if not row["floor"]]
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
