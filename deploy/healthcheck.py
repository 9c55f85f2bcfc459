"""The image's HEALTHCHECK: asks the web process on this container for ``/health/live``.

The request looks like one the TLS proxy forwards (``X-Forwarded-Proto: https``, a host from
``ALLOWED_HOSTS``), so the production settings neither redirect it to HTTPS nor refuse its host.
Standard library only: it runs every 30 seconds and must start fast. Exit status 0 is healthy.
"""

import http.client
import os
import sys


def allowed_host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/health/live"
    connection = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=5)
    try:
        connection.request("GET", path, headers={"Host": allowed_host(), "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"{path}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
