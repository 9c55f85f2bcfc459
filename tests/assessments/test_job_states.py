"""Where a background run stands, as people read it (issue 17): what it is doing, how far it got, and
why it failed in words with what to do next. The API keeps the status code and the recorded error."""

import pytest
from django.urls import reverse

from assessments.jobs import QUEUE_UNREACHABLE, chunk_run, job_request, job_run, job_split, job_state
from assessments.models import Job
from assessments.tasks import recalculate_costs

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(project, people):
    return job_request(kind=Job.Kind.COST, task=recalculate_costs, project=project, requested_by=people["lead"])


def fresh(job):
    job.refresh_from_db()
    return job


def test_a_queued_job_waits_for_a_worker(job):
    assert job_state(job).startswith("Recalculating the costs and readiness: waiting for a worker since ")
    assert job_state(job).endswith("(Asia/Bangkok).")


def test_a_job_in_parts_says_how_many_are_done(job):
    job_split(job.pk, [[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]])
    for index in range(3):
        chunk_run(job.pk, index, lambda: {"estimates": 1})
    assert job_state(fresh(job)) == "Recalculating the costs and readiness: 3 of 10 parts done."


def test_a_finished_job_says_when(job):
    job_run(job.pk, lambda job: {})
    assert job_state(fresh(job)).startswith("Finished on ")


def test_a_failed_job_says_why_in_words_and_what_to_do(job):
    with pytest.raises(ZeroDivisionError):
        job_run(job.pk, lambda job: 1 / 0)
    job = fresh(job)
    assert job.error == "ZeroDivisionError: division by zero", "the API keeps the error as recorded"
    state = job_state(job)
    assert state.startswith("Failed on ")
    assert state.endswith(
        ": it stopped on an error (“division by zero”). "
        "Try again; if it fails again, the operators' log has the details."
    )
    assert "ZeroDivisionError" not in state


def test_a_job_the_queue_never_got_says_so(job):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error=f"{QUEUE_UNREACHABLE}: Error 111")
    assert job_state(fresh(job)).endswith(
        ": the task queue could not be reached, so nothing ran. Try again in a moment."
    )


def test_a_job_with_failed_parts_says_how_many(job):
    job_split(job.pk, [[1], [2], [3]])
    chunk_run(job.pk, 0, lambda: {"estimates": 1})
    for index in (1, 2):
        with pytest.raises(KeyError):
            chunk_run(job.pk, index, lambda: {}["missing"])
    job = fresh(job)
    assert job.status == Job.Status.FAILED
    assert job_state(job).endswith(
        ": 2 of 3 parts could not be recalculated; the others were. The nightly run tries them again."
    )


def test_the_page_follows_the_job_in_words(client, job, people):
    client.force_login(people["lead"])
    with pytest.raises(ZeroDivisionError):
        job_run(job.pk, lambda job: 1 / 0)
    fragment = client.get(reverse("job-status", args=[job.pk])).content.decode()
    assert "it stopped on an error (“division by zero”)" in fragment
    assert "hx-get" not in fragment, "a failed job is not polled"
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["status"] == "failed"
