"""Bad input gets a clear 4xx in the API's error shape, names what was wrong and changes nothing: never a 500.

Deeply nested JSON, forged cursors, text PostgreSQL cannot store (NUL, lone surrogates) wherever
it comes from (body, query string, path, headers, cookies), oversized bodies and over-long
Idempotency-Keys.
"""

import base64
import datetime
import json
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from api.models import IdempotencyRecord
from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment
from projects.models import ApprovalRequest
from projects.services.approvals import approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from tenancy.models import Role
from tenancy.services import service_account_create, token_issue
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
NUL = '"a\\u0000b"'  # JSON text: a string holding NUL
SURROGATE = '"a\\ud800b"'  # JSON text: a string holding a lone surrogate
BAD_TEXT = [pytest.param(NUL, id="nul"), pytest.param(SURROGATE, id="lone-surrogate")]


def _schema_operations(with_body):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if ("requestBody" in operation) == with_body:
                yield method, path, operation


@pytest.fixture
def objects(tenant, people, project, settings):
    """One of each kind of object, for the path parameters of every operation."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    approval = approval_request_create(project=project, actor=people["lead"])
    policy = policy_save(tenant=tenant, actor=people["admin"], target_stage="production", required_approvals=1)
    window = freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Year end",
        kind="weekly",
        start_weekday=0,
        end_weekday=1,
        start_time=datetime.time(9),
        end_time=datetime.time(17),
    )
    hook = api_client(people["admin"]).post(
        "/api/v1/webhooks/", {"tenant": "acme", "url": "http://127.0.0.1:9/hook"}, format="json"
    )
    assert hook.status_code == 201, hook.json()
    token, _ = token_issue(user=people["admin"], name="spare")
    service_account_create(tenant=tenant, username="acme-bot", role=Role.CUSTOMER_VIEWER)
    return {
        "projects": project.pk,
        "approval-requests": approval.pk,
        "approval-policies": policy.pk,
        "freeze-windows": window.pk,
        "webhooks": hook.json()["id"],
        "webhook-deliveries": 1,
        "auth": token.pk,
        "tenants": "acme",
        "project_pk": project.pk,
        # A tenant's settings: a member, and a service account.
        "members": "viewer",
        "service-accounts": "acme-bot",
    }


def api_client(user):
    _, token = token_issue(user=user, name="test", scopes=("read", "write", "approve"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _filled(path, objects):
    resource = path.split("/")[3]
    setting = path.split("/")[5] if path.startswith("/api/v1/tenants/{slug}/") else None
    return (
        path.replace("{project_pk}", str(objects["project_pk"]))
        .replace("{id}", str(objects.get(resource, 1)))
        .replace("{slug}", str(objects.get(resource, "acme")))
        .replace("{username}", str(objects.get(setting)))
    )


def _assert_error(response, status, field=None):
    assert response.status_code == status, (response.request["PATH_INFO"], response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status
    if field is not None:
        assert field in [item["field"] for item in error["fields"]], error
    return error


# --- Item 10: deeply nested JSON -------------------------------------------------------------


def test_deep_json_is_400_on_every_operation_with_a_body(people, objects):
    client = api_client(people["admin"])
    operations = list(_schema_operations(with_body=True))
    assert len(operations) > 15
    for method, path, _ in operations:
        url = _filled(path, objects)
        response = getattr(client, method)(url, DEEP, content_type="application/json")
        if response.status_code == 403 or (response.status_code == 404 and "webhook-deliveries" in url):
            continue  # refused before the body is read (the caller's role, no delivery yet): no 500
        error = _assert_error(response, 400)
        assert "nested deeper than" in error["message"], (method, url, error)


@pytest.mark.parametrize("body", ["1.5", "[]", '"text"', "null", "true"])
def test_a_json_body_that_is_not_an_object_is_400_on_every_operation_with_a_body(people, objects, body):
    """Every body the API takes is an object: anything else is refused with 400 and changes nothing
    (PATCH /approval-policies/{id}/ with a number answered 500)."""
    client = api_client(people["admin"])
    before = AuditEvent.objects.count()
    for method, path, _ in _schema_operations(with_body=True):
        url = _filled(path, objects)
        response = getattr(client, method)(url, body, content_type="application/json")
        if response.status_code == 403 or (response.status_code == 404 and "webhook-deliveries" in url):
            continue
        _assert_error(response, 400)
    assert AuditEvent.objects.count() == before


def test_deep_json_is_400_on_the_unauthenticated_token_endpoint(db):
    response = APIClient().post("/api/v1/auth/tokens/", DEEP, content_type="application/json")
    error = _assert_error(response, 400)
    assert error["code"] == "parse_error"
    assert "nested deeper than 32 levels" in error["message"]


def test_json_just_over_the_depth_limit_in_a_profile_field_is_400(api, people, project):
    nested = "[" * 40 + "]" * 40
    body = '{"profile": {"regulations": ' + nested + "}}"
    response = api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/", body, content_type="application/json")
    _assert_error(response, 400)
    project.profile.refresh_from_db()
    assert project.profile.regulations == []


# --- Item 11: forged cursors -----------------------------------------------------------------

#: Lists of the platform's own work (price imports), refused to the client's admin: walked as a platform admin.
PLATFORM_ONLY = {"/api/v1/price-imports/"}


def _list_operations(objects):
    """Every paginated list: its address, and the terms its ``ordering`` takes."""
    for method, path, operation in _schema_operations(with_body=False):
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if method == "get" and "cursor" in parameters:
            ordering = parameters.get("ordering", {"schema": {"items": {"enum": []}}})
            yield _filled(path, objects), ordering["schema"]["items"]["enum"]


def _list_paths(objects):
    for path, _ in _list_operations(objects):
        yield path


@pytest.mark.parametrize(
    "position", ["p=abc", "p=1.5", "p=%00", "p=\x00", "p=9" * 1 + "9" * 40, "o=x", "r=x", "not base64 at all"]
)
def test_a_forged_cursor_is_404_invalid_cursor_on_every_list(people, objects, position):
    admin, platform = api_client(people["admin"]), api_client(people["platform"])
    cursor = position if position == "not base64 at all" else base64.b64encode(position.encode()).decode()
    lists = list(_list_operations(objects))
    assert len(lists) >= 10
    for path, terms in lists:
        client = platform if path in PLATFORM_ONLY else admin
        # Each of these orderings the list takes (an unknown one is a 400 before any cursor is read).
        orderings = [f"&ordering={term}" for term in ("-id", "created_at", "name") if term in terms]
        for ordering in ["", *orderings]:
            response = client.get(f"{path}?cursor={cursor}{ordering}")
            if response.status_code == 200:
                # An out-of-range id is a valid position past the end: an empty page, not an error.
                assert position.startswith("p=99") or ordering.endswith("name"), (path, ordering)
                continue
            error = _assert_error(response, 404)
            assert error["message"] == "Invalid cursor", (path, ordering, error)


def test_the_cursor_from_the_issue(api, people, project):
    response = api(people["lead"]).get("/api/v1/projects/?cursor=cD1hYmM=")
    assert _assert_error(response, 404)["message"] == "Invalid cursor"


# --- Item 12: text PostgreSQL cannot store ----------------------------------------------------


@pytest.mark.parametrize("text", BAD_TEXT)
def test_bad_text_in_a_profile_field_is_400_naming_it(api, people, project, text):
    body = '{"profile": {"residency_region": ' + text + "}}"
    response = api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/", body, content_type="application/json")
    _assert_error(response, 400, field="profile.residency_region")
    project.profile.refresh_from_db()
    assert project.profile.residency_region == ""


@pytest.mark.parametrize("text", BAD_TEXT)
def test_bad_text_in_an_environment_field_is_400_naming_it(api, people, project, text):
    body = '{"account_id": ' + text + ', "regions": ["ok", ' + text + "]}"
    response = api(people["lead"]).patch(
        f"/api/v1/projects/{project.pk}/environment/", body, content_type="application/json"
    )
    error = _assert_error(response, 400, field="account_id")
    assert "regions.1" in [item["field"] for item in error["fields"]]
    assert not CustomerCloudEnvironment.objects.exists()


@pytest.mark.parametrize("text", BAD_TEXT)
def test_bad_text_in_a_webhook_tenant_and_in_a_key_is_400_naming_it(api, people, text):
    body = '{"tenant": ' + text + ', "url": "http://127.0.0.1:9/", ' + text + ": 1}"
    response = api(people["admin"]).post("/api/v1/webhooks/", body, content_type="application/json")
    error = _assert_error(response, 400, field="tenant")
    assert any(item["field"].startswith("a") and item["field"] != "tenant" for item in error["fields"]), error
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("text", BAD_TEXT)
def test_bad_text_is_400_in_every_operation_with_a_body(people, objects, text):
    client = api_client(people["admin"])
    before = AuditEvent.objects.count()
    for method, path, _ in _schema_operations(with_body=True):
        url = _filled(path, objects)
        body = '{"name": ' + text + ', "reason": ' + text + ', "comment": ' + text + "}"
        response = getattr(client, method)(url, body, content_type="application/json")
        if response.status_code == 403 or (response.status_code == 404 and "webhook-deliveries" in url):
            continue
        _assert_error(response, 400, field="name")
    assert AuditEvent.objects.count() == before


def test_form_bodies_are_refused_whatever_they_hold(api, people, project):
    """The API speaks JSON only: a form body is a 415 before anything in it is read."""
    response = api(people["lead"]).post(
        f"/api/v1/projects/{project.pk}/pause/", "reason=a%00b", content_type="application/x-www-form-urlencoded"
    )
    _assert_error(response, 415)


def test_nul_in_the_idempotency_key_is_400_naming_the_header(api, people, project):
    response = api(people["lead"]).post(
        "/api/v1/approval-requests/", {"project": project.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k\x00"
    )
    _assert_error(response, 400, field="Idempotency-Key")
    assert not ApprovalRequest.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "search=a%00",
        "tenant=a%00",
        "ordering=%00",
        "ticket=%00",
        "stage=%00",
        "updated_since=%00",
        "a%00=1",
        "cursor=%00",
    ],
)
def test_nul_in_a_query_parameter_is_400_naming_it(api, people, project, query):
    response = api(people["lead"]).get(f"/api/v1/projects/?{query}")
    name = query.split("=")[0].replace("%00", "\\u0000")
    _assert_error(response, 400, field=name)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/tenants/a%00/", "/api/v1/tenants/%00/", "/api/v1/audit-events/?tenant=%00", "/api/v1/prices/?model=%00"],
)
def test_nul_in_path_parts_and_filters_of_other_endpoints_is_400(api, people, path):
    response = api(people["admin"]).get(path)
    _assert_error(response, 400)


def test_nul_in_other_headers_and_cookies_is_400(people, project):
    client = api_client(people["admin"])
    _assert_error(client.get("/api/v1/projects/", HTTP_X_REQUEST_ID="id\x00"), 400, field="X-Request-Id")
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Bearer sg_\x00_x")
    _assert_error(bad_token.get("/api/v1/projects/"), 400, field="Authorization")
    browser = APIClient()
    browser.cookies["sessionid"] = "abcdefgh\x00"
    response = browser.get("/projects/")
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_nul_in_a_page_query_string_is_400(client, people):
    client.force_login(people["lead"])
    response = client.get("/projects/?q=a%00")
    assert response.status_code == 400
    assert b"q: The NUL character" in response.content


# --- Item 13: oversized bodies and over-long keys ---------------------------------------------


@pytest.mark.parametrize("key", [None, "big-1"])
def test_a_body_over_the_limit_is_413_in_the_error_shape_naming_the_limit(api, people, project, settings, key):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"project": project.pk, "note": "x" * 2000})
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = api(people["lead"]).post("/api/v1/approval-requests/", body, content_type="application/json", **extra)
    error = _assert_error(response, 413)
    assert "1000 bytes" in error["message"]
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in error["message"]
    assert not ApprovalRequest.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_an_oversized_token_request_is_413(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"username": "%s", "password": "x"}' % ("u" * 2000)
    _assert_error(APIClient().post("/api/v1/auth/tokens/", body, content_type="application/json"), 413)


def test_an_idempotency_key_over_200_characters_is_refused_not_truncated(api, people, project, tenant):
    client = api(people["lead"])
    exactly = "k" * 200
    first = client.post(
        "/api/v1/approval-requests/", {"project": project.pk}, format="json", HTTP_IDEMPOTENCY_KEY=exactly
    )
    assert first.status_code == 201
    # Before: cut to 200 characters, this key collided with the first and replayed its answer.
    longer = client.post(
        "/api/v1/approval-requests/", {"project": project.pk}, format="json", HTTP_IDEMPOTENCY_KEY=exactly + "2"
    )
    error = _assert_error(longer, 400, field="Idempotency-Key")
    assert "At most 200 characters" in error["message"]
    assert "Idempotent-Replayed" not in longer
    assert ApprovalRequest.objects.count() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [exactly]


# --- Values of another JSON type than the schema gives --------------------------------------


def _body_properties(schema, operation):
    """The request body's properties with the schema of each (its component's, ``$ref`` followed)."""
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return body.get("properties", {})


def _wrong_values(prop):
    """Values of a JSON type ``prop`` does not take, with the type it does take; none for lists,
    objects and anything the schema leaves open."""
    if "oneOf" in prop:  # a decimal: text or a number
        return [True, ["1"]] if {p.get("type") for p in prop["oneOf"]} == {"string", "number"} else []
    kind = prop.get("type")
    if kind == "string":
        return [7, 1.5, True]
    if kind == "boolean":
        return [1, 0, "true"]
    if kind == "integer":
        return ["7", True, 1.5]
    if kind == "number":
        return ["7", True]
    return []


def test_a_value_of_another_json_type_is_400_naming_it_in_every_operation_with_a_body(people, objects):
    """Each property of every request body, sent with a value of another JSON type than the schema
    gives it (a number for text, 1 or "true" for a boolean, "7" for a whole number): 400 naming the
    property, nothing changed. DRF alone took 0 for a title as "0", 1 as true and "7" as 7."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    client = api_client(people["admin"])
    before = AuditEvent.objects.count()
    checked = set()
    for method, path, operation in _schema_operations(with_body=True):
        url = _filled(path, objects)
        properties = _body_properties(schema, operation)
        # The object a write acts on is looked up first (``api.references.target``): a good one.
        references = {"tenant": "acme", "project": objects["project_pk"]}
        for name, prop in properties.items():
            if prop.get("readOnly"):
                continue
            body = {key: value for key, value in references.items() if key in properties and key != name}
            for value in _wrong_values(prop):
                response = getattr(client, method)(url, {**body, name: value}, format="json")
                if response.status_code == 403 or (response.status_code == 404 and "webhook-deliveries" in url):
                    break  # refused before the body is read
                error = _assert_error(response, 400)
                fields = {item["field"]: item for item in error["fields"]}
                assert name in fields, (method, path, name, value, error)
                checked.add((prop.get("type") or "decimal", name))
    assert AuditEvent.objects.count() == before
    kinds = {kind for kind, _ in checked}
    assert kinds == {"string", "boolean", "integer", "decimal"}, kinds
    assert len(checked) > 30


def test_a_type_error_is_said_in_words_with_the_rest_of_the_bodys_errors(api, people, project):
    response = api(people["lead"]).post(
        f"/api/v1/projects/{project.pk}/evidence-links/",
        {"kind": "contract", "title": 0, "url": "not a url"},
        format="json",
    )
    error = _assert_error(response, 400)
    fields = {item["field"]: item for item in error["fields"]}
    assert fields["title"]["message"] == "Give text (a JSON string) here."
    assert fields["title"]["code"] == "invalid"
    assert "url" in fields  # reported together, not one at a time
    assert not project.evidence_links.exists()


@pytest.mark.parametrize("value", [60, 60.5, "60.5"])
def test_a_decimal_is_taken_as_a_number_or_as_text(api, people, project, value):
    response = api(people["lead"]).patch(
        f"/api/v1/projects/{project.pk}/cost-plan/", {"utilisation_percent": value}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Decimal(response.json()["plan"]["utilisation_percent"]) == Decimal(str(value))


def test_the_schema_says_a_decimal_is_taken_as_text_or_a_number_and_answered_as_text():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    taken = components["PatchedProfileRequest"]["properties"]["cached_input_percent"]
    assert [alternative["type"] for alternative in taken["oneOf"]] == ["string", "number"]
    assert taken["oneOf"][0]["pattern"] == r"^-?\d{0,3}(?:\.\d{0,2})?$"
    assert taken["oneOf"][1]["maximum"] == 100  # the field's own bound, as drf-spectacular gives it
    assert taken["title"] == "Cached share of input (%)"
    answered = components["Profile"]["properties"]["cached_input_percent"]
    assert answered["type"] == "string"
    assert "oneOf" not in answered


def test_every_api_serializer_checks_json_types():
    """A serializer that skips the check would take 0 for text again: every one of the apps' is built
    on ``api.serializers``."""
    from django.urls import get_resolver
    from rest_framework import serializers

    from api.serializers import JsonTypes

    assert get_resolver().url_patterns  # every API module imported

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {
        cls
        for cls in subclasses(serializers.Serializer)
        if cls.__module__.split(".")[0]
        in {
            "accounts",
            "api",
            "assessments",
            "audit",
            "deployments",
            "notifications",
            "projects",
            "tenancy",
            "webhooks",
        }
        and not issubclass(cls, serializers.ListSerializer)
    }
    assert len(ours) > 50
    assert [cls for cls in ours if not issubclass(cls, JsonTypes)] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"profile": {"residency_region": 7}}, "profile.residency_region"),
        ({"profile": {"monthly_requests": "7000"}}, "profile.monthly_requests"),
        ({"profile": {"monthly_requests": True}}, "profile.monthly_requests"),
        ({"profile": {"monthly_requests": 1.5}}, "profile.monthly_requests"),
    ],
)
def test_a_value_of_another_json_type_inside_an_object_is_400_naming_it(api, people, project, body, field):
    response = api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/", body, format="json")
    _assert_error(response, 400, field=field)
    project.profile.refresh_from_db()
    assert project.profile.residency_region == ""


def test_an_optional_query_parameter_sent_empty_is_as_if_not_sent_as_the_schema_says(people, objects):
    """``?status=`` is what an HTML form sends for a field left empty (the browsable API's filter
    form sends them all): every optional query parameter the schema marks ``allowEmptyValue``
    answers the same rows sent empty as left out; a list's (``?stage=``) is not marked, and is refused,
    but for ``ordering``, whose empty list of fields is the list's own order (``api.filters.OrderingFilter``)."""
    client = api_client(people["admin"])
    platform = api_client(people["platform"])
    tried = 0
    for method, path, operation in _schema_operations(with_body=False):
        if method != "get" or "cursor" not in {p["name"] for p in operation.get("parameters", [])}:
            continue
        url = _filled(path, objects)
        caller = platform if url in PLATFORM_ONLY else client
        without = caller.get(url)
        assert without.status_code == 200, (url, without.content[:300])
        for parameter in operation["parameters"]:
            if parameter["in"] != "query":
                continue
            if parameter["schema"].get("type") == "array" and parameter["name"] != "ordering":
                assert "allowEmptyValue" not in parameter, (path, parameter["name"])
                _assert_error(caller.get(f"{url}?{parameter['name']}="), 400, field=parameter["name"])
                continue
            assert parameter["allowEmptyValue"] is True, (path, parameter["name"])
            empty = caller.get(f"{url}?{parameter['name']}=")
            assert empty.status_code == 200, (url, parameter["name"], empty.content[:300])
            assert empty.json()["results"] == without.json()["results"], (url, parameter["name"])
            tried += 1
    assert tried > 80


@pytest.mark.parametrize("size", ["abc", "null", "0", "-3", "201", "1.5", "٣"])
def test_a_page_size_that_is_not_a_whole_number_from_1_to_200_is_400_naming_it(people, objects, size):
    """DRF took anything else for the default size and 500 for 200, without a word."""
    client = api_client(people["admin"])
    paths = [path for path in _list_paths(objects) if path not in PLATFORM_ONLY]
    assert len(paths) >= 10
    for path in paths:
        error = _assert_error(client.get(f"{path}?page_size={size}"), 400, field="page_size")
        assert error["fields"][0]["message"] == "Give a whole number from 1 to 200.", path
    assert len(client.get("/api/v1/projects/?page_size=200").json()["results"]) == 1  # the one project


def test_the_schema_gives_the_page_sizes_taken():
    sizes = [
        parameter["schema"]
        for _, _, operation in _schema_operations(with_body=False)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "page_size"
    ]
    assert len(sizes) >= 10
    assert all(size == {"type": "integer", "minimum": 1, "maximum": 200} for size in sizes), sizes


def test_an_id_filter_takes_a_whole_number_only(api, people):
    _assert_error(api(people["admin"]).get("/api/v1/audit-events/?project=0.5"), 400, field="project")
    assert api(people["admin"]).get("/api/v1/audit-events/?project=1").status_code == 200


# --- Names that are no field of the body --------------------------------------------------


#: The words each body's own mechanism gives a name it does not take: the one rule's
#: (``api.serializers.UNKNOWN_FIELD``), or those of the service the body's names go to.
UNKNOWN_NAME_WORDS = {
    "Not a field this endpoint takes.",
    "Not a field of the cost plan.",
    "Not a field of the environment.",
    "Not a notification setting.",
}


def test_a_name_that_is_no_field_is_400_naming_it_in_every_operation_with_a_body(people, objects):
    """Every operation with a body, sent one name that is none of its fields (``titel`` for
    ``title``) beside good references to the object it acts on: 400 naming it, nothing changed.
    DRF alone ignored it and answered 200 (approval policies, freeze windows, certifications, a
    project's PATCH), so a misspelt field looked changed."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    callers = [api_client(people["admin"]), api_client(people["platform"]), api_client(people["engineer"])]
    before = AuditEvent.objects.count()
    checked = []
    for method, path, operation in _schema_operations(with_body=True):
        url = _filled(path, objects)
        properties = _body_properties(schema, operation)
        references = {"tenant": "acme", "project": objects["project_pk"]}
        body = {key: value for key, value in references.items() if key in properties} | {"titel": "x"}
        for client in callers:  # the first whose role may make this write
            response = getattr(client, method)(url, body, format="json")
            if response.status_code != 403:
                break
        if response.status_code == 404 and "webhook-deliveries" in url:
            continue
        error = _assert_error(response, 400)
        fields = {item["field"]: item for item in error["fields"]}
        assert "titel" in fields, (method, path, error)
        assert fields["titel"]["code"] == "invalid"
        assert fields["titel"]["message"] in UNKNOWN_NAME_WORDS, (method, path, fields["titel"])
        checked.append((method, path))
    assert AuditEvent.objects.count() == before
    assert len(checked) == len(list(_schema_operations(with_body=True))), checked


def test_the_schema_says_every_object_of_a_request_body_takes_only_its_names():
    """``additionalProperties: false`` on each object a request body holds, so a client generated
    from the schema (and schemathesis) knows another name is refused."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    seen = []

    def walk(node):
        if isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[1]
                if name not in seen:
                    seen.append(name)
                    walk(components[name])
                return
            if "properties" in node:
                assert node.get("additionalProperties") is False, node.get("description", node)
            for value in node.get("properties", {}).values():
                walk(value)
            for key in ("items", "allOf", "oneOf", "anyOf"):
                walk(node.get(key))

    for _, _, operation in _schema_operations(with_body=True):
        walk(operation["requestBody"]["content"]["application/json"]["schema"])
    assert {"PatchedProjectUpdateRequest", "PatchedProfileRequest", "TicketWriteRequest"} <= set(seen)
    assert {name for name in seen if name.startswith("Patched")} >= {
        "PatchedApprovalPolicyWriteRequest",
        "PatchedFreezeWindowWriteRequest",
        "PatchedWebhookRequest",
    }


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"traffic_pattern": "spiky", "peak_ratio": "0.505"}, "profile.peak_ratio"),
        ({"traffic_pattern": "spiky", "peak_ratio": "1234567.5"}, "profile.peak_ratio"),
        ({"monthly_requests": 1000, "avg_input_tokens": 10**12}, "profile.avg_input_tokens"),
    ],
)
def test_a_refused_profile_field_is_400_before_the_rules_between_fields_read_it(api, people, project, profile, field):
    """A value of the right JSON type that its field refuses (too many decimal places or digits, a
    number past the field's range) is said by name: the rules tying fields together never read it
    as given (text compared with a number was a 500)."""
    before = {name: getattr(project.profile, name) for name in profile}
    response = api(people["lead"]).patch(f"/api/v1/projects/{project.pk}/", {"profile": profile}, format="json")
    _assert_error(response, 400, field=field)
    project.profile.refresh_from_db()
    assert {name: getattr(project.profile, name) for name in profile} == before
