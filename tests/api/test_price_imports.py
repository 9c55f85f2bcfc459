"""Imports of the bundled API prices over the API (issue 16, parity): the catalog page's "Import"
button and the status it follows, at ``/api/v1/price-imports/``, through the same service
(``price_import_request``) and for the same people: platform admins only, a 403 for everyone else."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessments.catalog import prices_import
from assessments.jobs import job_request
from assessments.models import Job
from assessments.tasks import import_prices, recalculate_costs

pytestmark = pytest.mark.django_db

URL = "/api/v1/price-imports/"
NOT_ADMINS = ["lead", "engineer", "admin", "approver", "viewer", "outsider"]


def test_a_platform_admin_starts_an_import_and_follows_it_to_its_result(api, people):
    client = api(people["platform"])
    asked = client.post(URL, format="json")
    assert asked.status_code == 202, asked.json()
    job = Job.objects.get()
    assert asked["Location"] == f"{URL}{job.pk}/"
    assert asked.json()["id"] == job.pk
    assert (job.kind, job.status, job.requested_by) == (Job.Kind.PRICE_IMPORT, Job.Status.QUEUED, people["platform"])
    assert asked.json()["status"] == "queued"

    again = client.post(URL, format="json")
    assert again.status_code == 202
    assert again.json()["id"] == job.pk, "an unfinished import is answered, not doubled"
    assert Job.objects.count() == 1

    prices_import(prices={"openai:gpt-4o-mini": (D("0.20"), None, D("0.80"))}, source="old list")
    import_prices(job.pk)  # what the worker runs
    done = client.get(asked["Location"])
    assert done.status_code == 200
    assert done["ETag"]
    assert done.json()["status"] == "done"
    assert done.json()["result"]["created"] > 100
    assert done.json()["result"]["changed"] == ["openai:gpt-4o-mini"]
    assert [item["id"] for item in client.get(URL).json()["results"]] == [job.pk]


def test_the_page_and_the_api_are_one_service(api, client, people):
    """Asked for on the page, the API answers the same unfinished import; its status reads the same."""
    client.force_login(people["platform"])
    client.post(reverse("catalog-import"))
    job = Job.objects.get()
    tool = api(people["platform"])
    assert tool.post(URL, format="json").json()["id"] == job.pk
    assert Job.objects.count() == 1
    import_prices(job.pk)
    assert tool.get(f"{URL}{job.pk}/").json()["status"] == "done"
    fragment = client.get(reverse("catalog-import-status", args=[job.pk])).content.decode()
    assert f"{tool.get(f'{URL}{job.pk}/').json()['result']['created']} new price entries" in fragment


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_everyone_else_is_refused_whatever_the_id_and_nothing_is_queued(api, people, who):
    job = job_request(kind=Job.Kind.PRICE_IMPORT, task=import_prices, requested_by=people["platform"])
    client = api(people[who])
    for response in (
        client.post(URL, format="json"),
        client.get(URL),
        client.get(f"{URL}{job.pk}/"),
        client.get(f"{URL}987654321/"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert Job.objects.count() == 1, "the refused import queued nothing"


def test_a_read_only_token_may_follow_but_not_start_an_import(api, people):
    reader = api(people["platform"], scopes=("read",))
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, format="json").status_code == 403
    assert not Job.objects.exists()


def test_another_kind_of_job_is_not_found_here_like_an_unknown_one(api, people, project):
    other = job_request(kind=Job.Kind.COST, task=recalculate_costs, project=project)
    client = api(people["platform"])
    foreign, unknown = client.get(f"{URL}{other.pk}/"), client.get(f"{URL}{other.pk + 1000}/")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    assert client.get(URL).json()["results"] == []


def test_a_retried_request_answers_the_same(api, people):
    client = api(people["platform"])
    first = client.post(URL, format="json", HTTP_IDEMPOTENCY_KEY="import-1")
    again = client.post(URL, format="json", HTTP_IDEMPOTENCY_KEY="import-1")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1
