"""Concurrent keep-alive HTTP clients, and what one kind of request measured."""

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode


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
    #: The same request once, alone, through the test client in this process, its cached reads warm.
    alone_ms: float | None = None
    #: And once with nothing cached (``freshness.reset()`` first): what a first visit, or the first
    #: read after a change, costs.
    cold_ms: float | None = None
    cold_queries: int | None = None
    cold_sql_ms: float | None = None
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
