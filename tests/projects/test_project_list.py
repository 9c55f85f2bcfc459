"""The project list page: pages found by position (keyset), a capped count, a fixed number of queries
whatever the page size and the number of clients, and the client field that suggests as one types."""

import re
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.catalog import prices_import
from assessments.services.estimates import estimates_recalculate
from projects.models import Project
from projects.selectors import CLIENT_SUGGESTIONS
from projects.services.approvals import approval_request_create
from tenancy.models import Role, Tenant
from tests.factories import MembershipFactory, ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db

LIST = reverse("project-list")


def rows(response) -> list[str]:
    return [project.code for project in response.context["page"].object_list]


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)" rel="{rel}">', response.content.decode())
    return unescape(found.group(1)) if found else None


def walk(client, query: str, rel: str = "next", start: str | None = None) -> list[list[str]]:
    """Every page from ``start`` (else the first page of ``query``), following the ``rel`` links."""
    pages, url = [], start or f"{LIST}?{query}"
    while url:
        response = client.get(url if url.startswith("/") else f"{LIST}{url}")
        assert response.status_code == 200
        pages.append(rows(response))
        url = link(response, rel)
        assert len(pages) < 50, "the links go round in a circle"
    return pages


@pytest.fixture
def crowded(tenant, people):
    """65 projects over three clients the viewer of ``tenant`` sees two of, many with the same name
    (so the id breaks the ties) and the same stage, plus another client's projects."""
    second = TenantFactory(slug="second", name="Second Bank")
    MembershipFactory(tenant=second, user=people["viewer"], role=Role.CUSTOMER_VIEWER)
    for index in range(65):
        ProjectFactory(
            tenant=tenant if index % 2 else second,
            name=f"Assistant {index % 7}",
            code=f"P-{index:02d}",
            stage="pilot" if index % 3 else "discovery",
        )
    ProjectFactory(tenant=TenantFactory(slug="hidden", name="Hidden Co"), name="Assistant 1", code="HID-1")
    return Project.objects.filter(tenant__in=[tenant, second])


@pytest.mark.parametrize("sort", ["", "code", "-code", "stage", "-updated", "monthly_cost", "-monthly_cost"])
def test_the_pages_cover_every_row_once_in_order_forwards_and_back(client, people, crowded, sort):
    client.force_login(people["viewer"])
    query = f"sort={sort}" if sort else ""
    forwards = walk(client, query)
    every = [code for page in forwards for code in page]
    assert sorted(every) == sorted(crowded.values_list("code", flat=True))  # each once, nothing hidden
    assert [len(page) for page in forwards] == [25, 25, 15]
    if not sort:  # by name, then id
        assert every == [p.code for p in crowded.order_by("name", "pk")]
    # Back from the last page by the previous links: the same pages, the other way round.
    last = f"{LIST}?{query}"
    for _ in forwards[1:]:
        last = f"{LIST}{link(client.get(last), 'next')}"
    assert walk(client, query, rel="prev", start=last) == forwards[::-1]


def test_a_next_link_carries_the_last_rows_key_and_the_filters(client, people, crowded):
    client.force_login(people["viewer"])
    first = client.get(f"{LIST}?stage=pilot")
    last = first.context["page"].object_list[-1]
    assert parse_qs(link(first, "next").lstrip("?")) == {
        "stage": ["pilot"],
        "after": [f"{last.pk}:{last.name}"],
        "page": ["2"],
    }
    second = client.get(f"{LIST}{link(first, 'next')}")
    assert "page 2 of 2" in second.content.decode()
    assert all(code not in rows(first) for code in rows(second))
    assert set(rows(first) + rows(second)) == set(crowded.filter(stage="pilot").values_list("code", flat=True))
    # The previous link of a second page is the first page itself.
    assert link(second, "prev") == "?stage=pilot&page=1"


def test_a_key_that_is_no_key_shows_the_first_page(client, people, crowded):
    client.force_login(people["viewer"])
    first = rows(client.get(LIST))
    assert rows(client.get(f"{LIST}?after=nonsense")) == first
    assert rows(client.get(f"{LIST}?before=12:")) == first


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999",  # an offset beyond any 64-bit integer
        "page=%C2%B2",  # "²": a digit to str.isdigit, not to int
        "page=%D9%A3",  # an Arabic-Indic three
        "page=%201",
        "after=%C2%B2:Assistant%201",
        "before=%C2%B2:Assistant%201",
        "after=99999999999999999999:Assistant%201",
        "sort=updated&after=1:9999-12-31T23:59:59-01:00",  # a moment past year 9999 in UTC
        "sort=-updated&before=1:0001-01-01T00:00:00%2B01:00",  # and before year 1
        "sort=updated&after=1:2026-01-01T10:00:00",  # no offset: no key this page writes
    ],
)
def test_a_page_or_a_key_beyond_what_the_list_can_hold_shows_the_first_page(client, people, crowded, query):
    client.force_login(people["viewer"])
    sort = query.partition("&")[0] if query.startswith("sort=") else ""
    first = rows(client.get(f"{LIST}?{sort}"))
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert rows(response) == first


def test_beyond_the_exact_count_the_page_says_more_than(client, people, crowded, monkeypatch):
    monkeypatch.setattr("core.keyset.COUNT_LIMIT", 40)
    client.force_login(people["viewer"])
    body = client.get(LIST).content.decode()
    assert "More than 40 projects, page 1. Narrow the list with the filters to count them exactly." in body
    assert "Page 1 of" not in body
    few = crowded.filter(stage="discovery", tenant__slug="acme").count()
    assert f"{few} projects" in client.get(f"{LIST}?stage=discovery&tenant=acme").content.decode()


def test_the_page_runs_the_same_queries_whatever_the_page_size_and_the_clients(client, tenant, people):
    """The lead's clients and projects grow (with standings and pending requests) between two reads
    of each page; the queries they run stay the same in number."""
    lead = people["lead"]
    urls = [LIST, f"{LIST}?tenant=Client&stage=discovery&pending=false", f"{LIST}?sort=-monthly_cost"]

    def grow(clients: int, projects: int):
        for _ in range(clients):
            client_tenant = TenantFactory()
            MembershipFactory(tenant=client_tenant, user=lead, role=Role.DELIVERY_LEAD)
            made = [ProjectFactory(tenant=client_tenant, delivery_lead=lead) for _ in range(projects)]
            approval_request_create(project=made[0], actor=lead)
            estimates_recalculate([project.pk for project in made])

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.context["page"].object_list)

    prices_import()
    client.force_login(lead)
    grow(clients=1, projects=2)
    few = {url: queries(url) for url in urls}
    grow(clients=12, projects=3)
    many = {url: queries(url) for url in urls}
    assert [count for count, _ in many.values()] == [count for count, _ in few.values()]
    assert (few[LIST][1], many[LIST][1]) == (2, 25)


# --- The client field -------------------------------------------------------------------------------


SUGGEST = reverse("project-client-suggestions")


def suggested(client, text: str) -> list[str]:
    response = client.get(SUGGEST, {"tenant": text})
    assert response.status_code == 200
    return re.findall(r'<option value="([^"]*)">', unescape(response.content.decode()))


@pytest.fixture
def clients_of_a_lead(tenant, people):
    """A lead across a dozen clients, and clients of others whose names would match too."""
    lead = people["lead"]
    for name in ["Lotus Soy Drinks", "Blue Lotus Spa", "Lotte Retail"] + [f"Lotus Branch {n:02d}" for n in range(12)]:
        MembershipFactory(tenant=TenantFactory(name=name), user=lead, role=Role.DELIVERY_LEAD)
    secret = TenantFactory(slug="lotus-secret", name="Lotus Secret Labs")
    ProjectFactory(tenant=secret, code="SEC-1")
    member(secret, Role.CUSTOMER_VIEWER, username="secret-viewer")
    return secret


def test_the_client_field_suggests_only_the_readers_clients_those_it_begins_first(client, people, clients_of_a_lead):
    client.force_login(people["lead"])
    found = suggested(client, "lotus")
    assert len(found) == CLIENT_SUGGESTIONS
    assert "Lotus Secret Labs" not in found
    # Those the text begins fill the ten, by name, before those that only hold it.
    assert found == [f"Lotus Branch {n:02d}" for n in range(10)]
    assert suggested(client, "BLUE lot") == ["Blue Lotus Spa"]
    assert suggested(client, "Lotus Secret Labs") == []  # another client's name, typed in full: nothing
    assert suggested(client, "secret") == []
    assert "Lotus Secret Labs" not in suggested(client, "")
    client.force_login(people["outsider"])
    assert suggested(client, "") == [Tenant.objects.get(slug="globex").name]
    assert suggested(client, "acme") == []


def test_the_client_field_without_javascript_matches_on_the_server(client, tenant, people, clients_of_a_lead):
    client.force_login(people["lead"])
    exact = TenantFactory(slug="lotus-soy", name="Lotus Soy")
    MembershipFactory(tenant=exact, user=people["lead"], role=Role.DELIVERY_LEAD)
    ProjectFactory(tenant=exact, code="SOY-1")
    ProjectFactory(tenant=tenant, code="ACME-9")
    # The whole name (any case) or the slug names one client; part of a name, every client it is part of.
    assert rows(client.get(LIST, {"tenant": "lotus soy"})) == ["SOY-1"]
    assert rows(client.get(LIST, {"tenant": "lotus-soy"})) == ["SOY-1"]
    assert rows(client.get(LIST, {"tenant": "ACM"})) == ["ACME-9"]
    # Another client's name finds nothing and says so; its project never shows.
    response = client.get(LIST, {"tenant": "Lotus Secret Labs"})
    assert rows(response) == []
    assert "No client of yours has “Lotus Secret Labs” in its name." in response.content.decode()
    assert "SEC-1" not in rows(client.get(LIST, {"tenant": "lotus"}))


def test_the_client_field_is_a_text_field_with_suggestions_not_a_list_of_every_client(client, people):
    client.force_login(people["lead"])
    body = client.get(LIST).content.decode()
    assert '<select name="tenant"' not in body
    assert re.search(r'<input type="text" name="tenant"[^>]* list="client-suggestions"', body)
    assert f'hx-get="{SUGGEST}"' in body
    assert '<datalist id="client-suggestions"></datalist>' in body


def test_suggestions_need_a_signed_in_reader(client):
    assert client.get(SUGGEST, {"tenant": "a"}).status_code == 302


def test_a_platform_admin_is_suggested_any_client(client, people, clients_of_a_lead):
    client.force_login(UserFactory(username="root", is_platform_admin=True))
    assert suggested(client, "secret") == ["Lotus Secret Labs"]
