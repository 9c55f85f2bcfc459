"""``make bench``: Stagegate at scale, measured end to end (``python -m bench.run``).

- ``run``: the orchestration — database, portfolio, processes, measurements, clean-up;
- ``load``: concurrent keep-alive HTTP clients and what they measure;
- ``report``: the table and ``docs/performance.md``.
"""
