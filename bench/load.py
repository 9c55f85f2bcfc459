"""Keep-alive HTTP clients, and what one kind of request measured."""

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlencode


class Kind(StrEnum):
    """What a request is, as far as issue 18's targets go (``bench.report`` holds them)."""

    BASELINE = "baseline"
    API_LIST = "api list"
    API_DETAIL = "api detail"
    PROJECT_PAGE = "project page"
    DASHBOARD = "dashboard"
    INBOX = "inbox"
    PROJECT_LIST_PAGE = "project list page"


@dataclass
class Scenario:
    name: str
    who: str
    path: str
    kind: Kind
    headers: dict = field(default_factory=dict)
    #: For the query count: ("token", token) or ("session", user) or None.
    auth: tuple | None = None


@dataclass
class Series:
    """Latencies of one kind of request (or of its SQL alone), in milliseconds."""

    ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.ms)

    @property
    def median(self) -> float:
        return statistics.median(self.ms) if self.ms else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.ms, 95)


@dataclass
class Measurement:
    """What one kind of request measured.

    Cold (the primary figures): one request at a time, over interleaved rounds (``bench.cold``).
    Warm (secondary): the concurrent run of the same request repeated, with PostgreSQL's buffers
    and the server's connections warm. Queries: the request once through Django's test client.
    """

    scenario: Scenario
    cold: Series = field(default_factory=Series)
    #: The concurrent run; None when it was not run (the growth runs measure cold only).
    warm: Series | None = None
    warm_seconds: float = 0.0
    bytes_per_response: int = 0
    #: Its SQL alone, run back to back from Python in the same rounds (the API list's only).
    floor: Series | None = None
    queries: int | None = None
    sql_ms: float | None = None
    cold_queries: int | None = None
    cold_sql_ms: float | None = None
    #: The SELECT statements of the cold request, as sent: what the floor runs.
    cold_statements: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)

    @property
    def warm_rate(self) -> float:
        return self.warm.count / self.warm_seconds if self.warm and self.warm_seconds else 0.0


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

    def measure(self, measurement: Measurement, *, requests: int, seconds: float, concurrency: int, warmup: int):
        """The warm figures: concurrent keep-alive clients after a warm-up, as people reloading a page."""
        scenario = measurement.scenario
        connections = [self.connection() for _ in range(concurrency)]
        # Warm-up: the same load, not recorded (the workers' first requests import and connect).
        self._run(connections, scenario, requests=warmup, seconds=seconds / 3)
        latencies, errors, sizes, wall = self._run(connections, scenario, requests=requests, seconds=seconds)
        for connection in connections:
            connection.close()
        measurement.warm = Series(latencies, errors)
        measurement.warm_seconds = wall
        if sizes and not measurement.bytes_per_response:
            measurement.bytes_per_response = int(statistics.mean(sizes))
        return measurement

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
