import os

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("STAGEGATE_REQUIRE_SERVICES") == "1":
            pytest.fail("Debian's chromium is missing: .ci/run installs it with apt")
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM is still used synchronously.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def worker_if_redis(request):
    """With Redis the product runs tasks on a worker, so a browser test needs a real one."""
    if settings.REDIS_URL:
        request.getfixturevalue("celery_worker")


@pytest.fixture
def page_as(browser, live_server):
    """A fresh browser page signed in as ``username`` (demo password)."""
    pages = []

    def sign_in(username):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        pages.append(context)
        return page

    yield sign_in
    for context in pages:
        context.close()


@pytest.fixture
def demo_portfolio():
    """The demo data (``seed_demo``) with every project assessed and costed, as ``make run`` shows it
    once the scheduler has run; returns a project of the lead's with a cost chart and no pending request."""
    import io

    from django.core.management import call_command

    from assessments.catalog import reference_catalog_load
    from assessments.charts import cost_chart
    from assessments.models import CostEstimate
    from assessments.services.assessments import assessments_run
    from assessments.services.estimates import estimates_recalculate
    from projects.models import Project

    reference_catalog_load()  # a migration loads it, but an earlier browser test's flush emptied it
    call_command("seed_demo", stdout=io.StringIO())
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    assessments_run(ids)
    estimates_recalculate(ids)
    # One the lead may still ask to promote, so its page shows every action.
    estimates = (
        CostEstimate.objects.filter(project__tenant__slug="lotus")
        .exclude(project__stage="retired")
        .exclude(project__approval_requests__status="pending")
        .select_related("project")
        .order_by("project_id")
    )
    return next(estimate.project for estimate in estimates if cost_chart(estimate=estimate) is not None)
