"""The benchmark's tables, its verdicts against issue 18's targets, and ``docs/performance.md``."""

import contextlib
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import speed
from bench.load import Kind

ROOT = Path(__file__).resolve().parent.parent
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"

# --- Issue 18's targets: cold figures, at the portfolio of TARGET_PROJECTS projects ------------
TARGET_PROJECTS = 50_000
#: The API project list: median within this many times its database floor, and p95 under this.
LIST_FLOOR_FACTOR = 3
LIST_P95_MS = 50
#: Cold median under this many milliseconds, by kind of request.
MEDIAN_UNDER_MS = {Kind.DASHBOARD: 100, Kind.PROJECT_LIST_PAGE: 60, Kind.PROJECT_PAGE: 40}
#: At the largest portfolio of a growth run, within this factor of the figure at TARGET_PROJECTS.
GROWTH_FACTOR = 1.5
GROWTH_KINDS = (Kind.DASHBOARD, Kind.PROJECT_LIST_PAGE)
#: Projects per second of the one worker, for the fan-out after a price change and the nightly run.
RECALCULATION_PER_SECOND = 2000

#: The machine counts as busy when others wanted at least this share of its CPUs: by the 1-minute
#: load average before the run, or by the processes ready to run sampled during the cold rounds.
BUSY_SHARE = 0.25
#: Slow queries shown with their plans, slowest first.
PLANS_SHOWN = 6


@dataclass
class Verdict:
    """One target: whether it held (None: not measured by this run), and what was measured."""

    target: str
    held: bool | None
    observed: str


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

    main, options = run.main, run.options
    lines = [
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `make bench` "
        f"(`python -m bench.run{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`), at commit {_commit()}.",
        "",
        f"- Machine: {_cpu()}, {os.cpu_count()} CPUs, {_memory()} memory; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {run.facts['postgresql']}, Redis {run.facts['redis']}.",
        *(["- " + machine_speed(*run.facts["speed"])] if "speed" in run.facts else []),
        "- "
        + machine_load(run.facts["load_before"], run.facts["load_after"], os.cpu_count() or 1, main.others_running),
        f"- Server: gunicorn, {options.workers} gthread workers × {options.threads} threads, production settings "
        "over plain HTTP; one Celery worker (solo pool).",
        f"- Cold (the primary figures): {options.rounds} rounds; each round sends every request once, one at a "
        "time, in an order shuffled anew for the round (the product keeps no cached reads: every request reads "
        "the database). Warm (secondary): "
        f"{options.concurrency} concurrent keep-alive connections, {options.warmup} warm-up requests, then up to "
        f"{options.requests} requests or {options.seconds:.0f} s per row, the same request repeated, "
        "as people reloading a page or ticketing tools polling a list at once.",
        f"- Portfolio: `{main.command}` in {main.generate_seconds:.0f} s; then `VACUUM ANALYZE`.",
        "",
        "| table | rows |",
        "| --- | ---: |",
        *(f"| {name} | {count:,} |" for name, count in main.counts.items()),
        "",
    ]
    lines += requests_table(main.measurements)
    lines += floor_table(main.measurements)
    if len(run.portfolios) > 1:
        lines += growth_table(run.portfolios)
    lines += recalculation_table(run.recalculations, options.nightly_seconds)
    lines += [f"## Targets (issue #18), at {main.projects:,} projects", ""]
    if main.projects != TARGET_PROJECTS:
        lines += [f"The targets are set at {TARGET_PROJECTS:,} projects; this run measured {main.projects:,}.", ""]
    verdicts = targets(main.measurements, run.portfolios, run.recalculations)
    lines += [f"- {v.target}: {_verdict(v.held)} ({v.observed})." for v in verdicts]
    lines += [
        "- Query counts constant in page size and in the number of visible clients: held by the test suite, "
        "not measured here.",
        "",
        summary(verdicts),
        "",
        "## Slowest queries, with their plans",
        "",
    ]
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


# --- The tables ---------------------------------------------------------------------------------


def requests_table(measurements) -> list[str]:
    lines = [
        "## Requests",
        "",
        "| request | as | cold median ms | cold p95 ms | n | target | | warm median ms | warm p95 ms | warm req/s "
        "| queries cold | queries warm | cold SQL ms | KB |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in measurements:
        target, held = row_target(m)
        verdict = _verdict(held) if target and m.scenario.kind != Kind.BASELINE else ""
        errors = _errors(m.cold.errors)
        warm = m.warm
        warm_cells = (
            f"{warm.median:.1f} | {warm.p95:.1f} | {m.warm_rate:.1f}{_errors(warm.errors)}" if warm else "— | — | —"
        )
        lines.append(
            f"| {m.scenario.name}{errors} | {m.scenario.who} | {m.cold.median:.1f} | {m.cold.p95:.1f} | "
            f"{m.cold.count} | {target} | {verdict} | {warm_cells} | "
            f"{_number(m.cold_queries)} | {_number(m.queries)} | {_number(m.cold_sql_ms, '.1f')} | "
            f"{m.bytes_per_response / 1024:.1f} |"
        )
    lines += [
        "",
        "Queries: the request once through Django's test client in the benchmark process, with nothing cached "
        "(cold) and then again (warm); cold SQL ms is the time Django saw its cold queries take. The plans below "
        "are of the cold queries.",
        "",
    ]
    return lines


def floor_table(measurements) -> list[str]:
    floors = [m for m in measurements if m.floor]
    if not floors:
        return []
    lines = [
        "## The API project list's database floor",
        "",
        "| as | floor median ms | floor p95 ms | statements | list cold median ms | list ÷ floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in floors:
        lines.append(
            f"| {m.scenario.who} | {m.floor.median:.1f} | {m.floor.p95:.1f} | {len(m.cold_statements)} | "
            f"{m.cold.median:.1f} | {m.cold.median / m.floor.median:.1f}× |"
        )
    lines += [
        "",
        "The floor is what the database alone needs for the list: the SELECT statements of the cold request "
        "(as the test client captured them), run back to back from Python on one connection to the same "
        "database, rows fetched, in the same rounds as the requests.",
        "",
    ]
    return lines


def growth_table(portfolios) -> list[str]:
    sizes = [p.projects for p in sorted(portfolios, key=lambda p: p.projects)]
    reference, largest = growth_sizes(sizes)
    medians = cold_medians(portfolios)
    lines = [
        "## Growth: cold medians (ms) by the portfolio's projects",
        "",
        "| request | as | "
        + " | ".join(f"{size:,}" for size in sizes)
        + f" | {largest:,} ÷ {reference:,} | target | |",
        "| --- | --- | " + " | ".join("---:" for _ in sizes) + " | ---: | --- | --- |",
    ]
    for (name, who, kind), by_size in medians.items():
        ratio = growth_ratio(by_size, reference, largest)
        checked = kind in GROWTH_KINDS
        lines.append(
            f"| {name} | {who} | "
            + " | ".join(f"{by_size[size]:.1f}" if size in by_size else "—" for size in sizes)
            + f" | {'—' if ratio is None else f'{ratio:.2f}×'} | "
            + (f"≤ {GROWTH_FACTOR}× | {_verdict(_within(ratio, GROWTH_FACTOR))} |" if checked else " | |")
        )
    lines += [
        "",
        "Each size is a fresh database of its own, served by a gunicorn of its own. Their requests are measured "
        "together: each cold round sends every request of every size once, all in one shuffled order, so that "
        "the machine's speed, which drifts during a run, reaches every size alike and a ratio compares the "
        "portfolios, not the minutes they were measured in. The generator keeps the default portfolio's shape "
        "(the per-project rows, grants, audit events and approval requests, in the same proportion to the "
        "projects; the clients and the delivery lead's clients as they are):",
        "",
        *(
            f"- {p.projects:,} projects: `{p.command}` in {p.generate_seconds:.0f} s."
            for p in sorted(portfolios, key=lambda p: p.projects)
        ),
        "",
    ]
    return lines


def recalculation_table(recalculations, nightly_seconds) -> list[str]:
    lines = [
        "## Background recalculation (one worker)",
        "",
    ]
    if not recalculations:
        return [*lines, "Not measured in this run (`--web-only`).", ""]
    lines += [
        "| run | projects | finished | chunks | seconds | projects/s | target | |",
        "| --- | ---: | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for row in recalculations:
        if row["floor"]:
            target, verdict = "the floor: nothing to store", ""
        else:
            target = f"≥ {RECALCULATION_PER_SECOND:,} /s"
            verdict = _verdict(row["rate"] >= RECALCULATION_PER_SECOND)
        lines.append(
            f"| {row['name']} | {row['projects']:,} | {row['done']:,} | {row['chunks']} | {row['seconds']:.1f} | "
            f"{row['rate']:.0f} | {target} | {verdict} |"
        )
    nightly = recalculations[-1]
    if nightly["done"] < nightly["projects"]:
        lines += [
            "",
            f"The nightly run was followed for {nightly_seconds:.0f} s and its rate taken from the chunks finished "
            "by then; the rest was discarded.",
        ]
    return [*lines, ""]


# --- The verdicts -------------------------------------------------------------------------------


def row_target(m) -> tuple[str, bool | None]:
    """The target of one request's row and whether it held (None: the row has no target)."""
    kind, cold = m.scenario.kind, m.cold
    if kind == Kind.BASELINE:
        return "baseline", None
    if kind == Kind.API_LIST:
        if not m.floor:
            return f"median ≤ {LIST_FLOOR_FACTOR}× its floor (not measured), p95 < {LIST_P95_MS} ms", None
        limit = LIST_FLOOR_FACTOR * m.floor.median
        held = cold.median <= limit and cold.p95 < LIST_P95_MS and not cold.errors
        return f"median ≤ {LIST_FLOOR_FACTOR}× its floor = {limit:.1f} ms, p95 < {LIST_P95_MS} ms", held
    if kind in MEDIAN_UNDER_MS:
        limit = MEDIAN_UNDER_MS[kind]
        return f"median < {limit} ms", cold.median < limit and not cold.errors
    return "", None


def targets(measurements, portfolios, recalculations) -> list[Verdict]:
    """Issue 18's targets, each with whether it held in this run and the figures it was judged on."""
    by_kind = {kind: [m for m in measurements if m.scenario.kind == kind] for kind in Kind}

    def medians(kind):
        rows = by_kind[kind]
        held = _all(row_target(m)[1] for m in rows)
        return held, ", ".join(f"{m.scenario.who}: {m.cold.median:.0f} ms{_errors(m.cold.errors)}" for m in rows)

    lists = by_kind[Kind.API_LIST]
    verdicts = [
        Verdict(
            f"API project list: median ≤ {LIST_FLOOR_FACTOR}× its database floor, p95 < {LIST_P95_MS} ms",
            _all(row_target(m)[1] for m in lists),
            "; ".join(
                f"{m.scenario.who}: median {m.cold.median:.1f} ms = {m.cold.median / m.floor.median:.1f}× "
                f"its floor of {m.floor.median:.1f} ms, p95 {m.cold.p95:.0f} ms{_errors(m.cold.errors)}"
                if m.floor
                else f"{m.scenario.who}: its floor was not measured"
                for m in lists
            ),
        ),
        Verdict(f"Dashboard (lead and admin): median < {MEDIAN_UNDER_MS[Kind.DASHBOARD]} ms", *medians(Kind.DASHBOARD)),
        Verdict(
            f"Project list page: median < {MEDIAN_UNDER_MS[Kind.PROJECT_LIST_PAGE]} ms",
            *medians(Kind.PROJECT_LIST_PAGE),
        ),
        Verdict(f"Project page: median < {MEDIAN_UNDER_MS[Kind.PROJECT_PAGE]} ms", *medians(Kind.PROJECT_PAGE)),
        growth_verdict(portfolios),
    ]
    rates = [row for row in recalculations if not row["floor"]]
    verdicts.append(
        Verdict(
            f"Recalculation: ≥ {RECALCULATION_PER_SECOND:,} projects/s per worker, fan-out and nightly",
            all(row["rate"] >= RECALCULATION_PER_SECOND for row in rates) if rates else None,
            ", ".join(f"{row['name']}: {row['rate']:,.0f}/s" for row in rates) or "not run: `--web-only`",
        )
    )
    return verdicts


def growth_verdict(portfolios) -> Verdict:
    sizes = sorted(p.projects for p in portfolios)
    if len(sizes) < 2:
        return Verdict(
            f"Dashboard and project list page: at 200,000 projects within {GROWTH_FACTOR}× of their "
            f"{TARGET_PROJECTS:,} figure",
            None,
            "`--growth` measures it",
        )
    reference, largest = growth_sizes(sizes)
    ratios = [
        (name, who, growth_ratio(by_size, reference, largest))
        for (name, who, kind), by_size in cold_medians(portfolios).items()
        if kind in GROWTH_KINDS
    ]
    return Verdict(
        f"Dashboard and project list page: at {largest:,} projects within {GROWTH_FACTOR}× of their "
        f"{reference:,} figure",
        _all(_within(ratio, GROWTH_FACTOR) for _, _, ratio in ratios),
        ", ".join(f"{name.split(' /')[0]}, {who}: {_ratio(ratio)}" for name, who, ratio in ratios),
    )


def summary(verdicts) -> str:
    """Which targets hold and which miss, in one plain sentence each."""
    held = [v.target.split(":")[0] for v in verdicts if v.held]
    missed = [v.target.split(":")[0] for v in verdicts if v.held is False]
    unmeasured = [v.target.split(":")[0] for v in verdicts if v.held is None]
    parts = [
        f"Hold ({len(held)} of {len(verdicts)}): {'; '.join(held) if held else 'none'}.",
        f"Miss ({len(missed)}): {'; '.join(missed) if missed else 'none'}.",
    ]
    if unmeasured:
        parts.append(f"Not measured by this run ({len(unmeasured)}): {'; '.join(unmeasured)}.")
    return " ".join(parts)


def machine_speed(python_ms: float, postgresql_ms: float) -> str:
    """The speed references (``bench.speed``), said as what they are for."""
    return (
        f"Speed: the fixed Python work of `bench.speed` took {python_ms:.0f} ms and its fixed PostgreSQL query "
        f"{postgresql_ms:.0f} ms (best of {speed.TIMES}, before the run). Figures from another machine compare "
        "with these in proportion to its own references, not as they are."
    )


def machine_load(before, after, cpus: int, others: list[int]) -> str:
    """The machine's load during the run, and plainly whether anything else was using it."""
    sampled = (
        f"other processes ready to run, sampled before each cold request: {_mean(others)} on average, "
        f"at most {max(others)}"
        if others
        else "other processes ready to run were not sampled (no /proc/loadavg)"
    )
    text = (
        f"Load: {cpus} CPUs; load average (1, 5, 15 min) before the run {_load(before)}, after it {_load(after)} "
        f"(the benchmark's own work included); {sampled}."
    )
    reasons = []
    if before[0] >= BUSY_SHARE * cpus:
        reasons.append(f"a 1-minute load average of {before[0]:.2f} before the run started")
    if others and statistics.mean(others) >= BUSY_SHARE * cpus:
        reasons.append(f"{statistics.mean(others):.1f} other processes ready to run during the cold rounds")
    if reasons:
        return (
            text + f" **The machine was busy** ({' and '.join(reasons)}, on {cpus} CPUs): other work "
            "shared the CPUs with what was measured, so these figures are slower and noisier than on an idle "
            "machine; compare runs, not single figures."
        )
    return text + " Nothing else was using the machine to speak of."


# --- Helpers ------------------------------------------------------------------------------------


def growth_sizes(sizes: list[int]) -> tuple[int, int]:
    """The sizes a growth ratio compares: the largest, against the targets' size if it was measured
    (else the next smaller one)."""
    largest = max(sizes)
    smaller = [size for size in sizes if size < largest] or [largest]
    return (TARGET_PROJECTS if TARGET_PROJECTS in smaller else max(smaller)), largest


def cold_medians(portfolios) -> dict[tuple[str, str, Kind], dict[int, float]]:
    """Each request's cold median by the portfolio's projects, the rows in the order first measured."""
    medians: dict[tuple[str, str, Kind], dict[int, float]] = {}
    for portfolio in portfolios:
        for m in portfolio.measurements:
            key = (m.scenario.name, m.scenario.who, m.scenario.kind)
            by_size = medians.setdefault(key, {})
            if m.cold.count:
                by_size[portfolio.projects] = m.cold.median
    return medians


def growth_ratio(by_size: dict[int, float], reference: int, largest: int) -> float | None:
    if reference not in by_size or largest not in by_size or not by_size[reference]:
        return None
    return by_size[largest] / by_size[reference]


def _within(ratio: float | None, limit: float) -> bool | None:
    return None if ratio is None else ratio <= limit


def _all(verdicts) -> bool | None:
    """Several rows' verdicts as one: a miss if any missed, else not measured if any was not, else held."""
    verdicts = list(verdicts)
    if not verdicts or (None in verdicts and False not in verdicts):
        return None
    return all(verdicts)


def _ratio(ratio: float | None) -> str:
    return "not measured at both sizes" if ratio is None else f"{ratio:.2f}×"


def _verdict(held: bool | None) -> str:
    return "not measured" if held is None else "pass" if held else "**miss**"


def _errors(errors: dict) -> str:
    return f" ({', '.join(f'{k}: {v}' for k, v in errors.items())} errors)" if errors else ""


def _number(value, spec: str = "") -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def _mean(values) -> str:
    return f"{statistics.mean(values):.1f}" if values else "not sampled"


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
