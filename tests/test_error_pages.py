"""The error pages: 400, 403, 404, 500 and a refused form in the product's layout, in every settings
module (``make run``'s included), while the API keeps answering errors in JSON; and the favicon."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path, reverse

from config import urls as config_urls
from tenancy.models import Role
from tests.factories import ProjectFactory, TenantFactory, member
from tests.test_settings import PRODUCTION_ENV, run


def crash(request):
    raise RuntimeError("a bug")


def refuse(request):
    raise PermissionDenied


# This module is the URLconf of the tests marked with it: the product's, plus two views that fail.
urlpatterns = [path("crash/", crash), path("api/v1/crash/", crash), path("refused/", refuse), *config_urls.urlpatterns]
handler400, handler403 = config_urls.handler400, config_urls.handler403
handler404, handler500 = config_urls.handler404, config_urls.handler500

LAYOUT = ('<link rel="stylesheet" href="/static/css/stagegate.css">', '<a class="brand" href="/">Stagegate</a>')


def assert_in_layout(response, status, heading):
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    for part in (*LAYOUT, 'class="card error-page"', f'<h1 id="error-heading">{heading}</h1>'):
        assert part in body
    return body


@pytest.mark.django_db
def test_an_unknown_page_is_the_products_404_with_a_way_on(client):
    body = assert_in_layout(client.get("/no-such-page/"), 404, "There is no page here")
    assert '<a href="/accounts/login/">Sign in</a>, then open the link again' in body
    assert 'aria-label="Main"' not in body  # no navigation for a visitor who is not signed in


@pytest.mark.django_db
def test_a_signed_in_person_gets_the_404_with_the_navigation(client):
    tenant = TenantFactory()
    client.force_login(member(tenant, Role.CUSTOMER_VIEWER))
    body = assert_in_layout(client.get("/no-such-page/"), 404, "There is no page here")
    assert 'aria-label="Main"' in body
    assert '<a href="/projects/">Find the project in the list</a>' in body


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_refusal_is_the_products_403(client):
    tenant = TenantFactory()
    client.force_login(member(tenant, Role.CUSTOMER_VIEWER))
    assert_in_layout(client.get("/refused/"), 403, "Your role does not allow this")


@pytest.mark.django_db
def test_a_request_for_another_host_is_the_products_400(client):
    assert_in_layout(client.get("/", HTTP_HOST="elsewhere.example"), 400, "That request could not be read")


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_crash_is_the_products_500_drawn_without_the_database(django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/crash/")
    body = assert_in_layout(response, 500, "Something went wrong on our side")
    assert "RuntimeError" not in body
    assert "a bug" not in body


@pytest.mark.django_db
def test_a_form_sent_without_its_token_is_the_products_refusal():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "lead", "password": "x"})
    body = assert_in_layout(response, 403, "This form has expired")
    assert "Nothing was changed. Go back, reload the page and send the form again." in body


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_api_keeps_answering_errors_in_json(client):
    def error_of(response):
        assert response["Content-Type"] == "application/json"
        return response.status_code, json.loads(response.content)["error"]["code"]

    assert error_of(client.get("/api/v1/no-such-thing/")) == (404, "not_found")
    assert error_of(Client(raise_request_exception=False).get("/api/v1/crash/")) == (500, "server_error")
    assert error_of(client.get("/api/v1/projects/", HTTP_HOST="elsewhere.example")) == (400, "bad_request")


@pytest.mark.django_db
def test_opening_the_address_a_button_posts_to_is_the_products_405(client):
    """A reload, a bookmark or a copied link of a form's address: a page saying so, not a blank one."""
    tenant = TenantFactory()
    lead = member(tenant, Role.DELIVERY_LEAD)
    project = ProjectFactory(tenant=tenant, delivery_lead=lead)
    client.force_login(lead)
    for url in (
        reverse("project-promotion", args=[project.pk]),
        reverse("project-stage-move", args=[project.pk, "pause"]),
        reverse("notifications-read-all"),
    ):
        response = client.get(url)
        body = assert_in_layout(response, 405, "This address only takes a form")
        assert response["Allow"] == "POST"
        assert "Nothing was changed." in body
        assert 'aria-label="Main"' in body
    response = client.put(reverse("project-cost-plan", args=[project.pk]))
    assert_in_layout(response, 405, "That request cannot be made here")


@pytest.mark.django_db
def test_the_api_keeps_its_own_405(api):
    response = api(member(TenantFactory(), Role.DELIVERY_LEAD)).put("/api/v1/projects/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"


def test_the_favicon_is_linked_and_favicon_ico_leads_to_it(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (302, "/static/favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content)


@pytest.mark.django_db
def test_every_page_links_the_favicon(client):
    assert (
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        in client.get("/accounts/login/").content.decode()
    )


# --- Each settings module, in a process of its own ----------------------------------------------

PROBE = """
import json, sys, tempfile
from django.conf import settings
collect = sys.argv[2] == "collect"
if collect:  # production serves the collected files (the image runs collectstatic): collect them here too
    settings.STATIC_ROOT = tempfile.mkdtemp()
import django
django.setup()
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.handlers.exception import response_for_exception
from django.core.management import call_command
from django.test import Client, RequestFactory
if collect:
    call_command("collectstatic", interactive=False, verbosity=0)
host = sys.argv[1]
responses = {"404": Client(HTTP_HOST=host).get("/no-such-page/", secure=True)}
request = RequestFactory(HTTP_HOST=host).get("/projects/1/", secure=True)
errors = {"400": SuspiciousOperation("a bad request"), "403": PermissionDenied(), "500": RuntimeError("a bug")}
for code, error in errors.items():
    try:
        raise error
    except Exception as raised:
        responses[code] = response_for_exception(request, raised)
print(json.dumps({code: [r.status_code, r.content.decode()] for code, r in responses.items()}))
"""

HEADINGS = {
    "400": "That request could not be read",
    "403": "Your role does not allow this",
    "404": "There is no page here",
    "500": "Something went wrong on our side",
}


def pages_under(module, host="127.0.0.1", collect=False, **env):
    result = run(["-c", PROBE, host, "collect" if collect else "finders"], module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("module", "options"),
    [
        ("config.settings.local", {"DATABASE_URL": "sqlite:///:memory:"}),  # make run's settings, as they come
        ("config.settings.test", {"DATABASE_URL": "sqlite:///:memory:"}),
        ("config.settings.production", {**PRODUCTION_ENV, "host": "stagegate.example.org", "collect": True}),
    ],
)
def test_every_settings_module_shows_the_products_error_pages(module, options):
    pages = pages_under(module, **options)
    for code, heading in HEADINGS.items():
        status, body = pages[code]
        assert status == int(code)
        assert f'<h1 id="error-heading">{heading}</h1>' in body, code
        assert re.search(r'<link rel="stylesheet" href="/static/css/stagegate(\.[0-9a-f]+)?\.css">', body), code
        assert "Traceback" not in body, code
        assert "a bug" not in body, code


def test_djangos_technical_pages_are_opt_in_for_development():
    pages = pages_under("config.settings.local", DATABASE_URL="sqlite:///:memory:", DJANGO_DEBUG="true")
    status, body = pages["404"]
    assert status == 404
    assert "Using the URLconf defined in" in body
    assert 'class="card error-page"' not in body
