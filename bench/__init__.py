"""``make bench``: Stagegate at scale, measured end to end (``python -m bench.run``).

- ``run``: the orchestration — options, database, portfolio, each step in order, clean-up;
- ``stack``: gunicorn and the Celery worker it measures, started and stopped;
- ``web``: the requests sent, who sends them, their warm run, and their queries counted alone;
- ``cold``: the primary figures, every request cold over interleaved rounds, and the API list's
  database floor;
- ``load``: keep-alive HTTP clients and what they measure;
- ``recalculation``: the price-change fan-out and the nightly run, in projects per second;
- ``report``: the tables, issue 18's targets and ``docs/performance.md``.
"""
