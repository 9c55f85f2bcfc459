"""``core.lookups.any_of``: membership in a list, one array parameter on PostgreSQL, ``__in`` elsewhere."""

import datetime
import zoneinfo
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.compiled import CompiledQuery, Parameter
from core.lookups import ValueList, any_of, array_literal
from projects.models import Project, RequirementsProfile
from tests.factories import ProjectFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    tenant = TenantFactory()
    return [ProjectFactory(tenant=tenant, code=f"ANY-{n}") for n in range(3)]


def test_it_keeps_the_rows_whose_value_is_listed(projects):
    first, _, third = projects
    found = Project.objects.filter(any_of("pk", [third.pk, first.pk, 10**12]))
    assert set(found) == {first, third}


def test_it_works_on_foreign_keys_and_text_columns(projects):
    first, second, _ = projects  # each with its requirements profile (the factory makes one)
    assert set(RequirementsProfile.objects.filter(any_of("project_id", [first.pk, second.pk]))) == {
        first.profile,
        second.profile,
    }
    assert set(Project.objects.filter(any_of("code", ["ANY-0", "ANY-2", "NOPE"])).values_list("code", flat=True)) == {
        "ANY-0",
        "ANY-2",
    }


def test_an_empty_list_matches_nothing_without_asking_the_database(projects):
    with CaptureQueriesContext(connection) as queries:
        assert list(Project.objects.filter(any_of("pk", []))) == []
    assert len(queries) == 0


def test_on_postgresql_the_list_is_one_parameter(projects):
    if connection.vendor != "postgresql":
        pytest.skip("the array form is PostgreSQL's; elsewhere any_of is __in")
    ids = [project.pk for project in projects]
    with CaptureQueriesContext(connection) as queries:
        assert Project.objects.filter(any_of("pk", ids)).count() == 3
    assert "= ANY(" in queries[0]["sql"]
    assert queries[0]["sql"].count("%s") == 0  # the logged SQL has the parameter in place: one array literal


def test_a_compiled_query_takes_the_list_as_one_parameter_of_any_length(projects):
    first, second, third = projects
    by_ids = CompiledQuery(
        lambda: Project.objects.filter(any_of("pk", Parameter("ids", ValueList()))).order_by("pk").values_list("code")
    )
    with CaptureQueriesContext(connection) as queries:
        assert by_ids.run(ids=[third.pk, first.pk, 10**12]) == [("ANY-0",), ("ANY-2",)]
        assert by_ids.run(ids=[second.pk]) == [("ANY-1",)]
        assert by_ids.run(ids=[]) == []
    assert len(queries) == 3
    shapes = {query["sql"].split(" WHERE ")[1].split(" ORDER BY ")[0] for query in queries}
    assert all("ANY(" in shape or "json_each(" in shape for shape in shapes)


def test_integers_of_any_kind_and_size_match_as_numbers(projects):
    first, second, _ = projects

    class Id(int):
        """An int subclass (as a choices member is): sent as the driver adapts it."""

    assert set(Project.objects.filter(any_of("pk", [first.pk, -1, 2**62]))) == {first}
    assert set(Project.objects.filter(any_of("pk", [Id(second.pk)]))) == {second}
    assert set(Project.objects.filter(any_of("pk", [Id(second.pk), first.pk]))) == {first, second}


ARRAY_VALUES = {
    "bigint": [1, None, -(2**62), 0],
    "numeric": [D("0.10"), None, D("-12345678901234.99"), D("1E+3")],
    "text": [
        "plain",
        "",
        None,
        "NULL",
        'a "quoted" word',
        'back\\slash \\" both',
        "{braces}, commas, and spaces ",
        "tab\tnew\nline",
        "ünïcödé ✓ €",
    ],
    "timestamptz": [
        datetime.datetime(2026, 12, 2, 9, 49, 22, 953021, tzinfo=datetime.UTC),
        None,
        datetime.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland")),
    ],
    "date": [datetime.date(2026, 2, 28), None],
    "boolean": [True, False, None],
}


@pytest.mark.parametrize("db_type", ARRAY_VALUES)
def test_an_array_literal_reads_back_as_the_values_it_was_built_from(db_type):
    """``array_literal`` (one text parameter for a whole column of an upsert) gives PostgreSQL the
    very values: NULLs, quotes, backslashes, braces, commas, blanks, non-ASCII text, time zones."""
    if connection.vendor != "postgresql":
        pytest.skip("an array literal is PostgreSQL's")
    values = ARRAY_VALUES[db_type]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT value FROM unnest(%s::{db_type}[]) WITH ORDINALITY AS t(value, n) ORDER BY n",
            [array_literal(values)],
        )
        assert [value for (value,) in cursor.fetchall()] == values
