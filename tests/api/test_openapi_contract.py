"""The OpenAPI document as a client generator reads it (issue 16, part 5): JSON bodies only; the
headers of safe retries and optimistic concurrency declared; every error answer an operation can
give, in the error shape, and none it cannot; the same document whatever the database."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.schema import STORAGE_BOUNDS

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def headers_in(operation) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", ()) if parameter["in"] == "header"}


def test_every_request_body_is_json_only(schema):
    bodies = [(path, method, op["requestBody"]) for path, method, op in operations(schema) if "requestBody" in op]
    assert len(bodies) > 20
    for path, method, body in bodies:
        assert list(body["content"]) == ["application/json"], (method, path)


def test_every_error_answer_has_the_error_shape_and_only_possible_codes_are_listed(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        for code, answer in responses.items():
            if code.startswith(("4", "5")):
                assert answer["content"] == {"application/json": {"schema": ERROR_REF}}, (method, path, code)
        assert {"401", "403", "404", "429", "503"} <= set(responses), (method, path)
        if method == "get":
            assert not {"409", "412", "413", "415", "422"} & set(responses), (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), (method, path)
        assert ("409" in responses) == ("Idempotency-Key" in headers_in(operation)), (method, path)
        assert ("412" in responses) == ("If-Match" in headers_in(operation)), (method, path)


def test_retries_and_concurrency_headers_are_declared(schema):
    for path, method, operation in operations(schema):
        headers = headers_in(operation)
        success = {code: answer for code, answer in operation["responses"].items() if code.startswith("2")}
        if method == "post":
            assert "Idempotency-Key" in headers, path
            assert all("Idempotent-Replayed" in answer.get("headers", {}) for answer in success.values()), path
        if method in ("put", "patch", "delete"):
            assert "If-Match" in headers, (method, path)
        if method == "patch":
            assert "ETag" in success["200"].get("headers", {}), path
    for path in ("/api/v1/projects/{id}/", "/api/v1/approval-policies/{id}/", "/api/v1/webhooks/{id}/"):
        assert "ETag" in schema["paths"][path]["get"]["responses"]["200"]["headers"], path


def test_the_etag_declared_is_the_one_sent(api, people, project, schema):
    declared = schema["paths"]["/api/v1/projects/{id}/"]["get"]["responses"]["200"]["headers"]["ETag"]
    assert declared["schema"] == {"type": "string"}
    response = api(people["lead"]).get(f"/api/v1/projects/{project.pk}/")
    assert response["ETag"].startswith('"')


def test_no_bound_of_the_databases_column_types_is_in_the_document(schema):
    """SQLite and PostgreSQL give integer columns different ranges: none of them may show, so the
    document is the same on both (the rule enforced stays the database's: a 400 on PostgreSQL)."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, values in STORAGE_BOUNDS.items():
                if node.get(key) in values:
                    found.append((where, key, node[key]))
            for name, value in node.items():
                walk(value, f"{where}/{name}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(schema, "")
    assert found == []


def test_a_description_is_the_classs_own_never_its_plumbings(schema):
    # The project list's serializers mix in api.rows, whose docstrings describe code, not the API.
    components = schema["components"]["schemas"]
    assert components["ProjectList"]["description"] == "Lean, for lists: no nested rows beyond tickets (prefetched)."
    assert "description" not in components["Ticket"]


def test_the_csv_export_declares_its_content_type(schema):
    export = schema["paths"]["/api/v1/audit-events/export/"]["get"]["responses"]["200"]
    assert export["content"] == {"text/csv": {"schema": {"type": "string"}}}


def test_the_csv_export_documents_the_lists_filters_and_not_its_order(schema):
    """The export selects its rows by the list's filters and search (applied, so documented), in time
    order always: the list's ``ordering`` and paging are not its parameters."""
    names = {p["name"] for p in schema["paths"]["/api/v1/audit-events/export/"]["get"]["parameters"]}
    listed = {p["name"] for p in schema["paths"]["/api/v1/audit-events/"]["get"]["parameters"]}
    assert names == listed - {"ordering", "cursor", "page_size"}
    assert {"action", "tenant", "since", "until", "search"} <= names


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/x-www-form-urlencoded", "reason=waiting"), ("multipart/form-data; boundary=x", "--x--")],
)
def test_a_body_that_is_not_json_is_a_415_in_the_error_shape(api, people, project, content_type, body):
    response = api(people["lead"]).post(f"/api/v1/projects/{project.pk}/pause/", body, content_type=content_type)
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["status"] == 415
    assert "application/json" in error["message"] or "Unsupported media type" in error["message"]
    project.refresh_from_db()
    assert project.stage != "paused"


def untyped(node) -> str | None:
    """Why ``node`` (a Schema Object) says nothing of its values, or None when it is typed: a
    reference, an enum (``[null]``: always null), a union of typed schemas, or a type; an object
    says its properties or the type of its values, an array the type of its items."""
    if "$ref" in node or "enum" in node:
        return None
    for union in ("oneOf", "anyOf", "allOf"):
        if union in node:
            return next(filter(None, (untyped(option) for option in node[union])), None)
    if "type" not in node:
        return "no type"
    if node["type"] == "object" and "properties" not in node and "additionalProperties" not in node:
        return "an object without properties"
    if node["type"] == "object" and node.get("additionalProperties") in ({}, True):
        return "an object of untyped values"
    if node["type"] == "array" and "items" not in node:
        return "an array without items"
    return None


def schemas_in(node, where=""):
    """Every Schema Object in the document, with where it is: components, their properties, items and
    values, and the schemas of parameters and bodies inline in operations."""
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from schemas_in(value, f"{where}/{index}")
        return
    if not isinstance(node, dict):
        return
    for name, value in node.items():
        path = f"{where}/{name}"
        if name in ("schema", "items", "additionalProperties", "not") and isinstance(value, dict):
            yield path, value
        elif name == "properties":
            for prop, schema in value.items():
                yield f"{path}/{prop}", schema
        elif name in ("oneOf", "anyOf", "allOf"):
            for index, schema in enumerate(value):
                yield f"{path}/{index}", schema
        elif where == "/components/schemas":
            yield path, value
        yield from schemas_in(value, path)


def test_every_value_in_the_document_is_typed(schema):
    """A generated client types each field from the schema: a ``{}``, an object that names no
    properties (nor the type of its values) or an array of untyped items leaves it guessing."""
    found = [(where, why) for where, node in schemas_in(schema) if (why := untyped(node))]
    assert found == []
    assert len(list(schemas_in(schema))) > 1000  # the walk reaches every component and operation


# --- Real answers against the document ----------------------------------------------------------


def as_json_schema(node, strict: bool):
    """An OpenAPI 3.0 Schema Object as JSON Schema: ``nullable`` as a null alternative, references
    to ``#/$defs/``; ``strict`` closes every object that names its properties, so a field the
    server sends and the document does not name is found too."""
    if isinstance(node, list):
        return [as_json_schema(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key == "$ref":
            result[key] = value.replace("#/components/schemas/", "#/$defs/")
        elif key == "properties":
            result[key] = {name: as_json_schema(schema, strict) for name, schema in value.items()}
        elif key not in ("nullable", "readOnly", "writeOnly", "example", "discriminator"):
            result[key] = as_json_schema(value, strict)
    if strict and "properties" in node and "additionalProperties" not in node:
        result["additionalProperties"] = False
    if node.get("nullable"):
        result = {"anyOf": [result, {"type": "null"}]}
    return result


def answer_schema(schema, path: str, method: str = "get", code: str = "200") -> dict:
    """The JSON Schema the document gives the answer of ``method`` on ``path``, with every component."""
    answer = schema["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
    return {
        **as_json_schema(answer, strict=True),
        "$defs": {
            name: as_json_schema(component, strict=True) for name, component in schema["components"]["schemas"].items()
        },
    }


@pytest.fixture
def portfolio(settings, tenant, people, project):
    """A project as the demo has them — requirements, a customer-cloud environment, tickets, an
    estimate and an assessment made by their job, an approval request with a decision, a webhook
    delivery — and the ids of what the API shows of it."""
    from assessments.catalog import prices_import
    from assessments.jobs import job_request
    from assessments.models import Assessment, CostEstimate
    from assessments.tasks import recalculate_costs
    from deployments.services import deployment_model_switch
    from projects.services.approvals import approval_decide, approval_request_create
    from projects.services.projects import profile_update, project_update, ticket_link
    from tests.webhooks.test_webhooks import Receiver, send_due
    from webhooks import services as webhook_services
    from webhooks.models import WebhookDelivery

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    receiver = Receiver()
    try:
        webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
        ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42", url="https://jira.example/AI-42")
        profile_update(
            project=project,
            actor=people["lead"],
            data_categories=["personal"],
            regulations=["gdpr"],
            monthly_requests=200_000,
            monthly_budget="4000.00",
            target_production_date="2027-06-30",
        )
        deployment_model_switch(
            project=project,
            actor=people["lead"],
            deployment_model="customer_cloud",
            environment={"provider": "aws", "account_id": "1234", "regions": ["eu-west-1"], "access_pattern": "SSO"},
        )
        project_update(project=project, actor=people["lead"], name="Claims triage")
        prices_import()
        job = job_request(kind="cost", task=recalculate_costs, project=project, requested_by=people["lead"])
        recalculate_costs(job.pk)  # the worker's own task, run here
        request = approval_request_create(project=project, actor=people["lead"], note="Pilot signed off in AI-42")
        approval_decide(request=request, actor=people["approver"], verdict="approve", comment="Approved in AI-42")
        send_due()
    finally:
        receiver.close()
    return {
        "project": project.pk,
        "assessment": Assessment.objects.get(project=project).pk,
        "estimate": CostEstimate.objects.get(project=project).pk,
        "job": job.pk,
        "approval": request.pk,
        "delivery": WebhookDelivery.objects.exclude(attempts=[]).order_by("pk").first().pk,
    }


def test_real_answers_of_the_main_endpoints_match_the_document(api, people, portfolio, schema):
    """What the API answers for demo-like data validates against the schema the document gives
    that answer, every object closed (a field the document does not name fails too)."""
    import jsonschema

    reads = {
        "/api/v1/projects/{id}/": f"/api/v1/projects/{portfolio['project']}/",
        "/api/v1/projects/": "/api/v1/projects/",
        "/api/v1/projects/{project_pk}/assessments/{id}/": (
            f"/api/v1/projects/{portfolio['project']}/assessments/{portfolio['assessment']}/"
        ),
        "/api/v1/projects/{project_pk}/cost-estimates/{id}/": (
            f"/api/v1/projects/{portfolio['project']}/cost-estimates/{portfolio['estimate']}/"
        ),
        "/api/v1/approval-requests/{id}/": f"/api/v1/approval-requests/{portfolio['approval']}/",
        "/api/v1/approval-policies/": "/api/v1/approval-policies/",
        "/api/v1/audit-events/": "/api/v1/audit-events/",
        "/api/v1/jobs/{id}/": f"/api/v1/jobs/{portfolio['job']}/",
        "/api/v1/webhook-deliveries/{id}/": f"/api/v1/webhook-deliveries/{portfolio['delivery']}/",
        "/api/v1/auth/tokens/": "/api/v1/auth/tokens/",
        "/api/v1/tenants/{slug}/": "/api/v1/tenants/acme/",
    }
    client = api(people["admin"])
    for template, url in reads.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.json())
        body = response.json()
        validator = jsonschema.Draft202012Validator(answer_schema(schema, template))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == [], (template, errors[:10])
    # The documents are there, filled, not only typed: the checks above saw real content.
    assessment = client.get(reads["/api/v1/projects/{project_pk}/assessments/{id}/"]).json()
    assert assessment["result"]["hosting"]["cloud_api"]["reasons"]
    assert assessment["inputs"]["environment"]["exists"] is True
    estimate = client.get(reads["/api/v1/projects/{project_pk}/cost-estimates/{id}/"]).json()
    assert estimate["inputs"]["sources"]["api_price"]["key"] == "openai:gpt-4o-mini"
    assert client.get(reads["/api/v1/jobs/{id}/"]).json()["result"]["stored"] == 1
    assert client.get(reads["/api/v1/approval-requests/{id}/"]).json()["snapshot"]["profile"]["regulations"] == ["gdpr"]
    assert client.get(reads["/api/v1/webhook-deliveries/{id}/"]).json()["attempts"][0]["status_code"] == 200
    events = client.get("/api/v1/audit-events/").json()["results"]
    assert {"project.profile_updated", "project.deployment_model_changed", "approval.requested"} <= {
        event["action"] for event in events
    }


def test_the_closed_validation_finds_a_field_the_document_does_not_name(schema):
    """The check above is not a rubber stamp: an answer with a field too many, or a wrong type, fails."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(answer_schema(schema, "/api/v1/jobs/{id}/"))
    job = {
        "id": 1,
        "tenant": "acme",
        "project": 1,
        "kind": "cost",
        "status": "done",
        "result": {"projects": 1, "stored": 1, "unchanged": 0, "failed": {}},
        "error": "",
        "created_at": "2026-12-01T10:00:00Z",
        "started_at": None,
        "finished_at": None,
    }
    assert validator.is_valid(job)
    assert not validator.is_valid({**job, "result": {**job["result"], "surprise": 1}})
    assert not validator.is_valid({**job, "result": {**job["result"], "stored": "1"}})


# --- Examples ------------------------------------------------------------------------------------


def request_schema(schema, operation) -> dict:
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    return {
        **as_json_schema(body, strict=True),
        "$defs": {
            name: as_json_schema(component, strict=True) for name, component in schema["components"]["schemas"].items()
        },
    }


def test_every_write_with_a_body_has_an_example_that_its_schema_accepts(schema):
    """An integrator reads an example before the schema (api/examples.py keeps them in one place):
    each must be a body the operation's request schema accepts, with no field it does not name."""
    import jsonschema

    missing, invalid = [], []
    for path, method, operation in operations(schema):
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if method not in ("post", "put", "patch") or content is None:
            continue
        examples = [example["value"] for example in content.get("examples", {}).values()]
        if not examples:
            missing.append(f"{method.upper()} {path}")
        validator = jsonschema.Draft202012Validator(request_schema(schema, operation))
        for example in examples:
            errors = [error.message for error in validator.iter_errors(example)]
            if errors:
                invalid.append((f"{method.upper()} {path}", errors[:3]))
    assert missing == []
    assert invalid == []
