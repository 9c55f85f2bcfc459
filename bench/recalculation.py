"""Background recalculation, measured with the one Celery worker, in projects per second.

A price change's fan-out, the same fan-out again with nothing left to store (the cost of reading
and comparing alone), and the nightly run, followed for ``--nightly-seconds``. Like ``bench.web``,
it imports Django's modules inside the functions, after ``bench.run`` has set Django up.
"""

import time


def measure_recalculation(*, nightly_seconds: float) -> list[dict]:
    from decimal import Decimal

    from assessments.catalog import latest_prices, prices_import
    from assessments.cost_plan import PLATFORM_COST_DEFAULTS
    from assessments.jobs import job_request
    from assessments.models import Job
    from assessments.selectors import projects_affected_by_prices
    from assessments.tasks import fan_out
    from projects.models import Project

    key = PLATFORM_COST_DEFAULTS["api_model"]  # the most used model: the default of every plan left blank
    affected = len(projects_affected_by_prices(api_models=[key]))
    price = latest_prices(keys={key})[key]
    changed = prices_import(
        prices={key: (price.input_per_mtok + Decimal("0.01"), price.cached_input_per_mtok, price.output_per_mtok)},
        source="benchmark: a price change",
    )
    assert changed.changed_keys == {key}
    parameters = {"api_models": [key]}
    rows = []
    job = job_request(kind=Job.Kind.PRICE_FAN_OUT, task=fan_out, parameters=parameters)
    rows.append(follow(job, f"Fan-out after a price change of {key}", affected, timeout=600))
    job = job_request(kind=Job.Kind.PRICE_FAN_OUT, task=fan_out, parameters=parameters)
    rows.append(follow(job, "The same fan-out again (nothing changed)", affected, timeout=300, floor=True))
    job = job_request(kind=Job.Kind.NIGHTLY, task=fan_out)
    total = Project.objects.count()
    rows.append(follow(job, "Nightly run (estimate and assessment)", total, timeout=nightly_seconds))
    return rows


def follow(job, name, projects, *, timeout, floor=False) -> dict:
    """Wait for ``job`` (up to ``timeout`` s), then its rate: projects in finished chunks per second."""
    from django.db.models import Max

    from assessments.models import Job, JobChunk

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (Job.Status.DONE, Job.Status.FAILED):
            break
        time.sleep(0.25)
    job.refresh_from_db()
    chunks = list(JobChunk.objects.filter(job=job).values_list("result", flat=True))
    done = sum(chunk.get("projects", 0) for chunk in chunks)
    last = JobChunk.objects.filter(job=job).aggregate(last=Max("finished_at"))["last"]
    seconds = (last - job.created_at).total_seconds() if last else float("nan")
    row = {
        "name": name,
        "status": job.status,
        "projects": projects,
        "done": done,
        "chunks": f"{len(chunks)} of {job.chunks_total}",
        "seconds": seconds,
        "rate": done / seconds if last and seconds > 0 else 0.0,
        "error": job.error,
        #: A run with nothing to store: the cost of reading and comparing alone, not a target.
        "floor": floor,
    }
    print(
        f"   {name}: {done} of {projects} projects in {seconds:.1f} s = {row['rate']:.0f}/s ({job.status})",
        flush=True,
    )
    return row
