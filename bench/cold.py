"""The primary figures: every request cold, one at a time, over interleaved rounds; the API list's floor.

Cold is one request at a time, as a person opening a page after someone changed what it shows
(the product keeps no cached reads: every request reads the database). Each round sends every request once, in
an order shuffled anew for the round, so that whatever drifts during the run (another process
starting, the machine's speed, PostgreSQL's buffers) reaches every row alike. The API project
list's database floor, its SELECT statements run back to back from Python on this process's
connection to the same database, is a row of the same rounds. With ``--growth`` the portfolios of
every size are measured in the same rounds, each on its own server. Before each request the run counts
the other processes ready to run (``/proc/loadavg``), so that the report can say whether anything
else was using the machine.

Like ``bench.web``, it imports Django's modules inside the functions, after ``bench.run`` has set
Django up.
"""

import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import HttpTarget, Kind, Measurement, Series

LOADAVG = Path("/proc/loadavg")


def round_orders(rows: int, rounds: int, *, seed: int) -> list[list[int]]:
    """The order of the rows in each round: every row once a round, shuffled anew for each round."""
    rng = random.Random(seed)
    orders = []
    for _ in range(rounds):
        order = list(range(rows))
        rng.shuffle(order)
        orders.append(order)
    return orders


def others_ready_to_run(loadavg: str) -> int:
    """Processes other than the reader ready to run, from a line of ``/proc/loadavg``.

    Its fourth field (``3/467``) counts the runnable processes, the one reading it included.
    """
    running = int(loadavg.split()[3].split("/")[0])
    return max(0, running - 1)


def _others_now() -> int | None:
    try:
        return others_ready_to_run(LOADAVG.read_text())
    except (OSError, IndexError, ValueError):
        return None  # not Linux: the report says the machine's load was not sampled


@dataclass
class Served:
    """The requests of one portfolio and the server that answers them; ``floors``: measure the
    API list's database floor too, on this process's connection (which must be to its database)."""

    target: HttpTarget
    measurements: list[Measurement]
    floors: bool = True


def measure_cold(served: list[Served], *, rounds: int, seed: int) -> list[int]:
    """Fill each measurement's cold series, and the API list's floors; return the samples of others ready to run.

    Several portfolios (``--growth``) are measured together: each round sends every request of
    each of them once, all shuffled together, so that a drift of the machine's speed reaches every
    portfolio alike and the growth ratios compare the portfolios, not the minutes they were
    measured in. Each request goes on a keep-alive connection of its own row (one reader's cookie
    or token) to its portfolio's server, so a round measures the request, not a new connection; one
    round first is not recorded (each gunicorn worker's first request imports and connects).
    """
    from django.db import connection

    measurements = [m for group in served for m in group.measurements]
    targets = {id(m): group.target for group in served for m in group.measurements}
    for group in served:
        for m in group.measurements:
            m.cold = Series()
            m.floor = Series() if group.floors and m.scenario.kind == Kind.API_LIST and m.cold_statements else None
    rows = [(m, False) for m in measurements] + [(m, True) for m in measurements if m.floor is not None]
    connections = {id(m): targets[id(m)].connection() for m in measurements}
    sizes: dict[int, list[int]] = {id(m): [] for m in measurements}

    def request(m: Measurement) -> tuple[int | str, float, int]:
        begun = time.perf_counter()
        try:
            status, payload, _ = targets[id(m)].fetch(connections[id(m)], "GET", m.scenario.path, m.scenario.headers)
        except OSError as error:
            status, payload = type(error).__name__, b""
        return status, (time.perf_counter() - begun) * 1000, len(payload)

    def floor(m: Measurement) -> float:
        begun = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in m.cold_statements:
                cursor.execute(statement)
                cursor.fetchall()
        return (time.perf_counter() - begun) * 1000

    for m, is_floor in rows:
        if is_floor:
            floor(m)
        else:
            request(m)
    others = []
    for order in round_orders(len(rows), rounds, seed=seed):
        for index in order:
            m, is_floor = rows[index]
            sample = _others_now()
            if sample is not None:
                others.append(sample)
            if is_floor:
                m.floor.ms.append(floor(m))
                continue
            status, elapsed, size = request(m)
            if status == 200:
                m.cold.ms.append(elapsed)
                sizes[id(m)].append(size)
            else:
                m.cold.errors[str(status)] = m.cold.errors.get(str(status), 0) + 1
    for m in measurements:
        connections[id(m)].close()
        if sizes[id(m)]:
            m.bytes_per_response = int(statistics.mean(sizes[id(m)]))
    return others
