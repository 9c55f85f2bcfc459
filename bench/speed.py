"""The machine's speed, by two fixed pieces of work timed before anything else runs: a figure of
this page compares with another machine's only in proportion to these (a machine whose Python
takes twice as long serves a page, which is mostly Python, in nearly twice the time)."""

import time

#: Each reference is timed this many times; the best time is the machine's, the others carry noise.
TIMES = 5
#: The Python reference: additions, comparisons, calls and a dictionary, as a request's own code does.
PYTHON_STEPS = 1_000_000
#: The PostgreSQL reference: a query the server answers on its own CPU, without reading any table.
POSTGRESQL_QUERY = "SELECT sum(i % 7) FROM generate_series(1, 2000000) AS i"


def python_reference() -> float:
    """Milliseconds the fixed Python work takes at best."""

    def work():
        seen, total = {}, 0
        for i in range(PYTHON_STEPS):
            key = i % 97
            seen[key] = seen.get(key, 0) + 1
            if i % 3:
                total += key
        return total

    return _best(work)


def postgresql_reference(connection) -> float:
    """Milliseconds the fixed query takes at best, from sending it to its one row back."""
    return _best(lambda: connection.execute(POSTGRESQL_QUERY).fetchone())


def _best(work) -> float:
    times = []
    for _ in range(TIMES):
        begun = time.perf_counter()
        work()
        times.append((time.perf_counter() - begun) * 1000)
    return min(times)
