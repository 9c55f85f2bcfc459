"""``?ordering=`` takes exactly what the schema says: one or more of the list's ordering fields, each
ascending or, after a ``-``, descending, separated by commas. Anything else is a 400 naming the
parameter and the orderings taken (DRF's own ``OrderingFilter`` dropped what it did not know and
answered 200 in another order); sent empty, it is the list's own order (``api.filters.OrderingFilter``)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.generators import SchemaGenerator
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory

from api.filters import OrderingFilter
from tenancy.models import Tenant
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

#: Lists of the platform's own work, refused to the client's admin: read as a platform admin.
PLATFORM_ONLY = {"/api/v1/price-imports/"}

REFUSED = [
    "bogus",
    "-nonsense,id",
    "id,bogus",
    "name,",  # an empty term after a comma
    ",id",
    "id,,-id",
    " id",  # DRF took a space around a term; the schema's terms have none
    "--id",
    "+id",
    "ID",
    "id__gt",
]


def _lists():
    """Each list the schema gives an ``ordering`` to, with its terms (parameter as the schema has it)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "ordering":
                    yield method, path, parameter


def _url(path, project):
    return path.replace("{project_pk}", str(project.pk))


def _caller(api, people, path):
    return api(people["platform"] if path in PLATFORM_ONLY else people["admin"])


def test_the_schema_gives_every_lists_orderings_as_comma_separated_terms():
    lists = list(_lists())
    assert len(lists) >= 15
    for method, path, parameter in lists:
        assert method == "get", path  # a list's parameter: no write takes it
        terms = parameter["schema"]["items"]["enum"]
        fields = [term for term in terms if not term.startswith("-")]
        assert "id" in fields, path
        assert terms == [*fields, *(f"-{field}" for field in fields)], path
        assert parameter["schema"]["type"] == "array"
        assert (parameter["style"], parameter["explode"], parameter["allowEmptyValue"]) == ("form", False, True)


@pytest.mark.parametrize("value", REFUSED)
def test_an_ordering_the_list_does_not_take_is_400_naming_it_on_every_list(api, people, project, value):
    for _, path, parameter in _lists():
        client = _caller(api, people, path)
        response = client.get(_url(path, project), {"ordering": value})
        assert response.status_code == 400, (path, value, response.content[:300])
        error = response.json()["error"]
        assert [item["field"] for item in error["fields"]] == ["ordering"], (path, error)
        message = error["fields"][0]["message"]
        assert message.startswith("Not an ordering of this list:"), message
        for term in parameter["schema"]["items"]["enum"]:
            assert term in message, (path, term, message)


def test_every_term_the_schema_gives_is_taken_alone_and_together(api, people, project):
    for _, path, parameter in _lists():
        client = _caller(api, people, path)
        terms = parameter["schema"]["items"]["enum"]
        for value in [*terms, ",".join(terms), ""]:
            response = client.get(_url(path, project), {"ordering": value})
            assert response.status_code == 200, (path, value, response.content[:300])


def test_ordering_given_twice_is_400(api, people, project):
    response = api(people["admin"]).get("/api/v1/projects/?ordering=name&ordering=bogus")
    assert response.status_code == 400
    (item,) = response.json()["error"]["fields"]
    assert item["field"] == "ordering"
    assert item["message"].startswith("Give ordering once.")


def test_the_ordering_orders_and_empty_is_the_lists_own_order(api, people, tenant, project):
    ProjectFactory(tenant=tenant, name="Alpha"), ProjectFactory(tenant=tenant, name="Zulu")
    client = api(people["admin"])

    def names(query):
        response = client.get(f"/api/v1/projects/{query}")
        assert response.status_code == 200, response.content[:300]
        return [row["name"] for row in response.json()["results"]]

    ascending = names("?ordering=name")
    assert ascending == sorted(ascending)
    assert names("?ordering=-name,id") == ascending[::-1]
    assert names("?ordering=") == names("")


def test_the_message_names_the_refused_terms_and_the_taken_ones(api, people):
    response = api(people["admin"]).get("/api/v1/tenants/?ordering=-nonsense,id,")
    assert response.json()["error"]["fields"] == [
        {
            "field": "ordering",
            "code": "invalid",
            "message": "Not an ordering of this list: “-nonsense”, “”. Order by one or more of id, name, -id, -name, "
            "separated by commas (a - first: descending).",
        }
    ]


def test_one_object_takes_no_ordering_as_its_schema_says(api, people, project):
    """The parameter is a list's: a detail answers as if it were not sent."""
    response = api(people["admin"]).get(f"/api/v1/projects/{project.pk}/?ordering=bogus")
    assert response.status_code == 200


class _TenantRow(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["slug"]


def test_a_list_that_names_no_ordering_fields_is_a_mistake_said_at_once():
    """DRF's default, every field of the serializer, offered values no list can be ordered by."""
    view = generics.ListAPIView.as_view(
        queryset=Tenant.objects.all(),
        serializer_class=_TenantRow,
        filter_backends=[OrderingFilter],
        authentication_classes=[],
        permission_classes=[],
        throttle_classes=[],
        pagination_class=None,
    )
    with pytest.raises(ImproperlyConfigured, match="names no ordering_fields"):
        view(APIRequestFactory().get("/tenants/?ordering=slug"))
