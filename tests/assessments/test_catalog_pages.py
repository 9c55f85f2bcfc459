"""The price catalog pages: platform admins only, prices in force, search, pages, history, GPUs,
hardware, and the import run as a job the page follows."""

import datetime
import re
import time
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.catalog import prices_import, reference_catalog_load
from assessments.jobs import job_request
from assessments.models import ApiModelPrice, Job
from assessments.tasks import import_prices, recalculate_costs

PRICES = {
    "openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")),
    "openai:gpt-4o": (D("2.50"), D("1.25"), D("10")),
    "anthropic:claude-sonnet-4": (D("3"), D("0.30"), D("15")),
    "arcee:zai-org/glm-5.2": (D("0.40"), None, D("1.60")),
}
PAGES = {
    "prices": lambda: reverse("catalog"),
    "search": lambda: reverse("catalog") + "?q=gpt",
    "history": lambda: reverse("catalog-price-history", args=["openai", "gpt-4o"]),
    "gpus": lambda: reverse("catalog-gpus"),
    "hardware": lambda: reverse("catalog-hardware"),
}
NOT_ADMINS = ["lead", "engineer", "admin", "approver", "viewer", "outsider"]


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


@pytest.fixture
def catalog(db):
    """Prices as first listed a month ago; gpt-4o cheaper since last week and cheaper still next month."""
    prices_import(prices=PRICES, source="list of March", now=ago(days=30))
    prices_import(prices={"openai:gpt-4o": (D("2.00"), D("1.00"), D("8"))}, source="list of April", now=ago(days=7))
    prices_import(prices={"openai:gpt-4o": (D("1.75"), None, D("7"))}, source="list of May", now=ago(days=-30))


@pytest.fixture
def platform(client, people):
    client.force_login(people["platform"])
    return client


def rows(response):
    return [price.key for price in response.context["page"].object_list]


@pytest.mark.django_db
def test_the_catalog_lists_the_api_prices_in_force(platform, catalog):
    response = platform.get(reverse("catalog"))
    assert response.status_code == 200
    assert rows(response) == sorted(PRICES)
    in_force = {price.key: price for price in response.context["page"].object_list}
    assert in_force["openai:gpt-4o"].input_per_mtok == D("2.00"), "last week's price, not next month's"
    body = response.content.decode()
    assert "<h1>Price catalog</h1>" in body
    assert "list of April" in body
    assert "list of May" not in body
    assert '<td class="number" data-label="Input">$2.00</td>' in body  # 2.000000 shown as $2.00
    assert '<td class="number" data-label="Cached input">$0.075</td>' in body  # the half cent kept
    assert '<td class="number" data-label="Cached input">—</td>' in body  # and a dash where it has none
    assert '<td class="number" data-label="Output">$15.00</td>' in body
    history = reverse("catalog-price-history", args=["arcee", "zai-org/glm-5.2"])
    assert f'<a href="{history}">zai-org/glm-5.2</a>' in body
    assert "4 models. Prices in USD per million tokens." in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("mini", ["openai:gpt-4o-mini"]),
        ("GPT-4O", ["openai:gpt-4o", "openai:gpt-4o-mini"]),
        ("anthropic", ["anthropic:claude-sonnet-4"]),
        ("glm", ["arcee:zai-org/glm-5.2"]),
        ("  sonnet ", ["anthropic:claude-sonnet-4"]),
        ("llama", []),
    ],
)
def test_search_by_model_or_provider(platform, catalog, search, found):
    response = platform.get(reverse("catalog"), {"q": search})
    assert rows(response) == found
    if not found:
        assert "No model or provider matches “llama”." in response.content.decode()


@pytest.mark.django_db
def test_a_search_too_long_is_refused_on_its_field_and_all_prices_stay_listed(platform, catalog):
    response = platform.get(reverse("catalog"), {"q": "x" * 101})
    body = response.content.decode()
    assert rows(response) == sorted(PRICES)
    assert 'aria-invalid="true" aria-describedby="id_q-error"' in body
    assert '<p class="error" id="id_q-error">Ensure this value has at most 100 characters (it has 101).</p>' in body
    assert '<label for="id_q">Model or provider</label>' in body


@pytest.mark.django_db
def test_prices_come_in_pages_of_fifty_that_keep_the_search(platform, catalog):
    ApiModelPrice.objects.bulk_create(
        ApiModelPrice(
            provider="bulk", model=f"model-{n:03}", input_per_mtok=1, output_per_mtok=2, effective_from=ago(days=1)
        )
        for n in range(120)
    )
    first = platform.get(reverse("catalog"), {"q": "model-"})
    assert first.context["page"].paginator.count == 120
    assert rows(first) == [f"bulk:model-{n:03}" for n in range(50)]
    body = first.content.decode()
    assert '<a href="?q=model-&amp;page=2" rel="next">Next</a>' in body
    assert "Page 1 of 3" in body
    last = platform.get(reverse("catalog"), {"q": "model-", "page": 3})
    assert rows(last) == [f"bulk:model-{n:03}" for n in range(100, 120)]
    assert '<a href="?q=model-&amp;page=2" rel="prev">Previous</a>' in last.content.decode()
    assert rows(platform.get(reverse("catalog"), {"q": "model-", "page": "nonsense"})) == rows(first)


@pytest.mark.django_db
def test_a_models_price_history_shows_every_dated_price(platform, catalog):
    response = platform.get(reverse("catalog-price-history", args=["openai", "gpt-4o"]))
    assert response.status_code == 200
    assert [price.input_per_mtok for price in response.context["prices"]] == [D("1.75"), D("2.00"), D("2.50")]
    body = response.content.decode()
    assert body.index("Not yet in force") < body.index("In force") < body.index("Superseded")
    assert body.count('<td data-label="Status">In force</td>') == 1
    assert '<td class="number" data-label="Output">$10.00</td>' in body  # March's 10.000000, never "1E+1"
    assert "E+" not in body
    assert "list of March" in body
    slashed = platform.get(reverse("catalog-price-history", args=["arcee", "zai-org/glm-5.2"]))
    assert slashed.status_code == 200
    assert '<td data-label="Status">In force</td>' in slashed.content.decode()
    assert platform.get(reverse("catalog-price-history", args=["openai", "no-such-model"])).status_code == 404


@pytest.mark.django_db
def test_the_gpu_page_lists_hourly_prices_and_throughput(platform):
    body = platform.get(reverse("catalog-gpus")).content.decode()
    # The reference catalog shipped with the product (loaded by a migration).
    assert '<th scope="row">p5.48xlarge</th>' in body
    assert '<td class="number" data-label="On demand, USD an hour">$55.04</td>' in body
    assert '<td class="number" data-label="Per GPU, USD an hour">$6.88</td>' in body  # per GPU: 55.04 ÷ 8
    assert "Public instance-price listings" in body
    assert "NIM 1.8, 5000 in / 500 out, concurrency 25" in body
    assert '<td class="number" data-label="Latency, ms">saturated</td>' in body
    assert '<td class="number" data-label="Latency, ms">690</td>' in body


@pytest.mark.django_db
def test_the_hardware_page_lists_the_on_premises_references(platform):
    body = platform.get(reverse("catalog-hardware")).content.decode()
    assert '<th scope="row">8 × H100 SXM server</th>' in body
    assert '<td class="number" data-label="Price, USD">$300,000</td>' in body
    assert '<td class="number" data-label="Power draw, kW">10.2</td>' in body


@pytest.mark.django_db
@pytest.mark.parametrize("who", NOT_ADMINS)
def test_everyone_but_platform_admins_is_refused_and_sees_no_link(client, people, catalog, who):
    client.force_login(people[who])
    for page in PAGES.values():
        assert client.get(page()).status_code == 403
    assert client.post(reverse("catalog-import"), headers={"HX-Request": "true"}).status_code == 403
    job = job_request(kind=Job.Kind.PRICE_IMPORT, task=import_prices, requested_by=people["platform"])
    assert client.get(reverse("catalog-import-status", args=[job.pk])).status_code == 403
    assert Job.objects.count() == 1, "the refused import queued nothing"
    body = client.get(reverse("home")).content.decode()
    assert "Price catalog" not in body
    assert reverse("catalog") not in body


@pytest.mark.django_db
def test_platform_admins_find_the_catalog_in_the_navigation(platform):
    body = platform.get(reverse("home")).content.decode()
    assert f'<a href="{reverse("catalog")}">Price catalog</a>' in body


@pytest.mark.django_db
def test_a_visitor_who_has_not_signed_in_is_sent_to_sign_in(client):
    response = client.get(reverse("catalog"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_import_button_queues_a_job_the_page_follows(platform, people):
    body = platform.get(reverse("catalog")).content.decode()
    assert f'hx-post="{reverse("catalog-import")}" hx-target="#import-area"' in body
    assert ">Import bundled prices</button>" in body

    response = platform.post(reverse("catalog-import"), headers={"HX-Request": "true"})
    job = Job.objects.get()
    assert (job.kind, job.status, job.requested_by) == (Job.Kind.PRICE_IMPORT, Job.Status.QUEUED, people["platform"])
    fragment = response.content.decode()
    assert f'hx-get="{reverse("catalog-import-status", args=[job.pk])}" hx-trigger="load delay:1s"' in fragment
    assert 'role="status" aria-live="polite"' in fragment
    assert "Importing the bundled prices: waiting for a worker since " in fragment

    again = platform.post(reverse("catalog-import"), headers={"HX-Request": "true"})
    assert Job.objects.count() == 1, "a second click follows the unfinished import"
    assert f"catalog/import/{job.pk}/" in again.content.decode()

    # Without htmx the button still works: back to the page, which follows the same job.
    plain = platform.post(reverse("catalog-import"), follow=True)
    assert plain.redirect_chain == [(reverse("catalog"), 302)]
    assert f'hx-get="{reverse("catalog-import-status", args=[job.pk])}"' in plain.content.decode()


@pytest.mark.django_db
def test_an_import_asked_for_long_ago_and_never_finished_does_not_block_a_new_one(platform):
    platform.post(reverse("catalog-import"))
    Job.objects.update(created_at=ago(hours=2))
    platform.post(reverse("catalog-import"))
    assert Job.objects.filter(kind=Job.Kind.PRICE_IMPORT).count() == 2


@pytest.mark.django_db
def test_the_finished_import_says_what_changed(platform, people):
    prices_import(prices={"openai:gpt-4o-mini": (D("0.20"), None, D("0.80"))}, source="old list", now=ago(days=3))
    platform.post(reverse("catalog-import"), headers={"HX-Request": "true"})
    job = Job.objects.get()
    import_prices(job.pk)  # what the worker runs

    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result["created"] > 100
    assert "openai:gpt-4o-mini" in job.result["changed"]
    recalculation = Job.objects.get(pk=job.result["recalculation_job"])
    assert recalculation.kind == Job.Kind.PRICE_FAN_OUT
    assert recalculation.parameters == {"api_models": job.result["changed"]}
    fragment = platform.get(reverse("catalog-import-status", args=[job.pk])).content.decode()
    assert "hx-get" not in fragment, "a finished job is not polled"
    assert "Finished on " in fragment
    assert f"{job.result['created']} new price entries" in fragment
    changed = len(job.result["changed"])
    assert f"{changed} model{'s' if changed > 1 else ''} changed price" in fragment
    listed = platform.get(reverse("catalog"), {"q": "gpt-4o-mini"}).context["page"].object_list
    mini = next(price for price in listed if price.key == "openai:gpt-4o-mini")
    assert (mini.input_per_mtok, mini.output_per_mtok) == (D("0.15"), D("0.6"))

    import_prices(job.pk)  # a redelivered task: the job is done, nothing runs twice
    assert ApiModelPrice.objects.count() == job.result["created"] + 1


@pytest.mark.django_db
def test_the_status_of_any_other_job_is_not_found_here(platform, project):
    job = job_request(kind=Job.Kind.COST, task=recalculate_costs, project=project)
    assert platform.get(reverse("catalog-import-status", args=[job.pk])).status_code == 404
    assert platform.get(reverse("catalog-import-status", args=[job.pk + 1000])).status_code == 404


@pytest.mark.django_db
def test_the_scheduled_import_and_the_command_still_run_without_a_job(capsys):
    result = import_prices()
    assert result["created"] == ApiModelPrice.objects.count() > 100
    assert result["recalculation_job"] is None, "nothing had a price before"
    call_command("import_prices")
    assert re.match(r"\d+ new price entries; \d+ changed models\.", capsys.readouterr().out)
    assert not Job.objects.filter(kind=Job.Kind.PRICE_IMPORT).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(PAGES))
def test_catalog_pages_run_the_same_queries_however_many_prices(platform, catalog, page):
    def grow(count):
        start = ApiModelPrice.objects.count()
        ApiModelPrice.objects.bulk_create(
            [
                ApiModelPrice(
                    provider="grow",
                    model=f"gpt-{start + n}",
                    input_per_mtok=1,
                    output_per_mtok=2,
                    effective_from=ago(days=2),
                )
                for n in range(count)
            ]
            + [
                ApiModelPrice(
                    provider="openai",
                    model="gpt-4o",
                    input_per_mtok=n,
                    output_per_mtok=n,
                    effective_from=ago(days=100 + start + n),
                    source="older list",
                )
                for n in range(count)
            ]
        )

    url = PAGES[page]()
    grow(2)
    platform.get(url)
    with CaptureQueriesContext(connection) as few:
        assert platform.get(url).status_code == 200
    grow(80)
    with CaptureQueriesContext(connection) as many:
        response = platform.get(url)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    if page == "history":
        assert len(response.context["prices"]) == 3 + 82


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_import_runs_on_a_real_worker_while_the_page_follows_it(celery_worker, client, people):
    reference_catalog_load()  # transactional tests empty the tables the migration filled
    client.force_login(people["platform"])
    client.post(reverse("catalog-import"), headers={"HX-Request": "true"})
    job = Job.objects.get(kind=Job.Kind.PRICE_IMPORT)
    status = reverse("catalog-import-status", args=[job.pk])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        fragment = client.get(status, headers={"HX-Request": "true"}).content.decode()
        job.refresh_from_db()
        if job.status in {Job.Status.DONE, Job.Status.FAILED}:
            break
        # Still running after the fragment was drawn, so it was running then too: the page says so.
        assert "Importing the bundled prices" in fragment
        time.sleep(0.2)
    assert job.status == Job.Status.DONE, job.error
    assert job.started_at <= job.finished_at
    assert ApiModelPrice.objects.count() == job.result["created"] > 100
    fragment = client.get(status, headers={"HX-Request": "true"}).content.decode()
    assert "Finished on " in fragment
    assert f"{job.result['created']} new price entries" in fragment
