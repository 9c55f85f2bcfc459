"""An object's id in an API address is ASCII digits, as the schema's integer path parameters say: an
Arabic-Indic digit, a sign or a space does not name the same object by another address (the ORM read
"٣" as 3), it names none, with the same 404 as an unknown id."""

import re

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

from tenancy.models import Role
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db

NOT_IDS = ["\u0663", "\u00b2", " 1", "+1", "1.0", "0x1", "1e3", "one"]


def integer_paths():
    """Each API path with its integer path parameters, from the schema itself."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path, operations in paths.items():
        parameters = {
            parameter["name"]
            for operation in operations.values()
            if isinstance(operation, dict)
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "path" and parameter["schema"].get("type") == "integer"
        }
        if parameters:
            yield path, parameters


def filled(path: str, integers: set[str], value: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: value if match[1] in integers else "acme", path)


def test_every_integer_path_parameter_is_matched_as_ascii_digits_only():
    checked = 0
    for path, integers in integer_paths():
        resolve(filled(path, integers, "3"))  # the address of an id resolves
        for text in NOT_IDS:
            with pytest.raises(Resolver404):
                resolve(filled(path, integers, text))
        checked += 1
    assert checked >= 15  # the schema's paths were found, not none


@pytest.mark.parametrize("text", ["%D9%A3", "%201", "+1", "1.0"])
def test_another_form_of_a_visible_projects_id_is_the_same_404_as_an_unknown_id(client, text):
    project = ProjectFactory(pk=3)
    client.force_login(member(project.tenant, Role.DELIVERY_LEAD))
    assert client.get("/api/v1/projects/3/").status_code == 200
    unknown = client.get("/api/v1/projects/999999/")
    response = client.get(f"/api/v1/projects/{text}/")
    assert unknown.status_code == 404
    assert (response.status_code, response.json()) == (404, unknown.json())
    environment = client.patch(f"/api/v1/projects/{text}/environment/", {}, content_type="application/json")
    assert environment.status_code == 404
