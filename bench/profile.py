"""Profile one request against a generated portfolio: where its time goes, and its queries.

    DATABASE_URL=postgres://.../stagegate_bench python -m bench.profile /api/v1/projects/?page_size=50 --as bench-lead

Runs the request through Django's test client in this process (production settings unless
DJANGO_SETTINGS_MODULE says otherwise): a warm-up, then ``--repeat`` timed runs, then one under
cProfile, printing the functions with the most cumulative time and the queries with their times.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--as", dest="username", required=True)
    parser.add_argument("--token", action="store_true", help="authenticate with an API token, not a session")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--top", type=int, default=40)
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    os.environ.setdefault("SECRET_KEY", "profiling-only-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from tenancy.services import token_issue

    user = User.objects.get(username=options.username)
    client = Client()
    headers = {}
    if options.token:
        headers["Authorization"] = f"Bearer {token_issue(user=user, name='profile')[1]}"
    else:
        client.force_login(user)

    def get():
        response = client.get(options.path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{options.path} answered {response.status_code}")
        return response

    get()
    times = []
    for _ in range(options.repeat):
        begun = time.perf_counter()
        get()
        times.append((time.perf_counter() - begun) * 1000)
    print(f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms over {len(times)}")
    with CaptureQueriesContext(connection) as captured:
        profiler = cProfile.Profile()
        profiler.enable()
        get()
        profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(options.top)
    for query in captured.captured_queries:
        print(f"{float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
