"""A page's address, cookie or header carrying text the database cannot store (the NUL character)
is answered with the product's 400 page, saying in words which part was refused and what to do
(``api.middleware``, ``core.form_bodies.refused_page``), as a form body carrying it is; the API's
answer keeps its JSON error shape. One rule decides what is refused: ``core.text.unstorable_reason``."""

import re

import pytest

pytestmark = pytest.mark.django_db

REFUSED = "The NUL character (\\u0000) is not allowed."


def page_refused(response) -> str:
    """The product's 400 page: its text, spaces collapsed."""
    body = re.sub(r"\s+", " ", response.content.decode())
    assert response.status_code == 400, body[:500]
    assert response["Content-Type"].startswith("text/html")
    assert '<h1 id="error-heading">That request could not be read</h1>' in body
    assert "so nothing was changed" in body
    assert '<ul class="errorlist">' in body
    return body


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "signed in"])
def test_nul_in_a_pages_query_string_is_the_product_400_page(client, people, signed_in):
    if signed_in:
        client.force_login(people["lead"])

    body = page_refused(client.get("/projects/?q=%00"))

    assert f"<li>In the page&#x27;s address, q: {REFUSED} Correct the address and try again.</li>" in body


def test_nul_in_the_name_of_a_query_parameter_is_named_in_words(client):
    body = page_refused(client.get("/projects/?a%00b=1"))

    assert f"In the page&#x27;s address, a\\u0000b: {REFUSED}" in body


def test_nul_in_a_pages_path_is_the_product_400_page(client):
    body = page_refused(client.get("/projects/%00/"))

    assert f"<li>The page&#x27;s address: {REFUSED} Correct the address and try again.</li>" in body


def test_nul_in_a_header_is_the_product_400_page_naming_the_header(client):
    body = page_refused(client.get("/projects/", headers={"X-Request-Id": "abc\x00"}))

    assert f"The X-Request-Id header your browser sent: {REFUSED}" in body


def test_nul_in_a_cookie_is_the_product_400_page_naming_the_cookie(client):
    body = page_refused(client.get("/projects/", HTTP_COOKIE='sessionid="a\\000b"'))

    assert f"The cookie “sessionid” your browser sent: {REFUSED}" in body
    assert "Clear this site&#x27;s cookies in your browser" in body


def test_every_part_refused_is_listed(client):
    body = page_refused(client.get("/projects/?q=%00&tenant=x%00", headers={"X-Request-Id": "\x00"}))

    listed = re.search(r'<ul class="errorlist">(.*?)</ul>', body)[1]
    assert re.findall(r"<li>(.*?):", listed) == [
        "In the page&#x27;s address, q",
        "In the page&#x27;s address, tenant",
        "The X-Request-Id header your browser sent",
    ]


def test_the_api_keeps_its_json_answer(client):
    response = client.get("/api/v1/projects/?q=%00")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": f"q: {REFUSED}",
            "fields": [{"field": "q", "code": "invalid_text", "message": REFUSED}],
        }
    }
