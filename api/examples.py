"""An example body for every write of the API, in one place, added to the OpenAPI document by
``add_request_examples`` (a drf-spectacular postprocessing hook). Each is a body a client could
send as it is (tests/api/test_openapi_contract.py validates every one against its operation's
request schema, and fails for a write whose body has no example); ids and names are the
integration guide's (docs/integration.md)."""

COST_PLAN = {"api_model": "openai:gpt-4o-mini", "utilisation_percent": "60", "staff_fte": "0.5"}

#: (method, path) → (summary, body).
REQUEST_EXAMPLES = {
    ("post", "/api/v1/auth/tokens/"): (
        "A person's token",
        {"username": "lee", "password": "correct horse battery staple", "scopes": ["read", "write"], "days": 30},
    ),
    ("post", "/api/v1/projects/"): (
        "A project with its ticket",
        {
            "tenant": "meridian",
            "name": "Claims assistant",
            "code": "CLAIMS-1",
            "tickets": [{"system": "jira", "key": "AI-42", "url": "https://meridian.atlassian.example/browse/AI-42"}],
        },
    ),
    ("patch", "/api/v1/projects/{id}/"): (
        "Rename, and record the traffic",
        {
            "name": "Claims assistant (EU)",
            "profile": {"monthly_requests": 250000, "avg_input_tokens": 1200, "avg_output_tokens": 300},
        },
    ),
    ("post", "/api/v1/projects/{id}/pause/"): ("Pause", {"reason": "The client's budget review until March."}),
    ("post", "/api/v1/projects/{id}/retire/"): ("Retire", {"reason": "Replaced by the claims platform."}),
    ("post", "/api/v1/projects/{id}/rollback/"): (
        "Back to the pilot",
        {"to_stage": "pilot", "reason": "Latency above target in production."},
    ),
    ("post", "/api/v1/projects/{id}/deployment-model/"): (
        "Move to the client's own cloud",
        {
            "deployment_model": "customer_cloud",
            "environment": {
                "kind": "cloud_account",
                "provider": "aws",
                "account_id": "123456789012",
                "regions": ["eu-west-1"],
            },
        },
    ),
    ("patch", "/api/v1/projects/{id}/environment/"): (
        "Record the network isolation",
        {"network_isolation": "private_endpoints", "change_process_reference": "CHG-2211"},
    ),
    ("post", "/api/v1/projects/{id}/environment/sign-off/"): (
        "Relay the client's sign-off",
        {"kind": "access_pattern", "on_behalf_of": "meridian-approver"},
    ),
    ("put", "/api/v1/projects/{id}/routing-rules/"): (
        "Regulated data stays self-hosted",
        {
            "rules": [
                {
                    "condition_kind": "data_class",
                    "data_class": "regulated",
                    "destination": "self_hosted",
                    "share_percent": "30",
                },
                {
                    "condition_kind": "traffic",
                    "traffic_condition": "other",
                    "destination": "cloud_api",
                    "share_percent": "70",
                },
            ]
        },
    ),
    ("patch", "/api/v1/projects/{project_pk}/cost-plan/"): ("Choose the API model", COST_PLAN),
    ("patch", "/api/v1/tenants/{slug}/cost-defaults/"): ("The client's usual plan", COST_PLAN),
    ("post", "/api/v1/projects/{project_pk}/evidence/"): (
        "The monitoring is in place",
        {"item": "monitoring", "note": "Dashboards and alerts in Grafana.", "url": "https://grafana.example/d/claims"},
    ),
    ("post", "/api/v1/projects/{project_pk}/evidence-links/"): (
        "The signed contract",
        {"kind": "contract", "title": "Master services agreement", "reference": "MSA-2026-014"},
    ),
    ("post", "/api/v1/projects/{project_pk}/tickets/"): (
        "Link a Jira issue",
        {"system": "jira", "key": "AI-42", "url": "https://meridian.atlassian.example/browse/AI-42"},
    ),
    ("post", "/api/v1/approval-requests/"): (
        "Ask for the next stage",
        {"project": 12, "note": "Pilot signed off in AI-42"},
    ),
    ("post", "/api/v1/approval-requests/{id}/approve/"): (
        "Relay the client's approval",
        {"on_behalf_of": "meridian-approver", "comment": "Approved in AI-42"},
    ),
    ("post", "/api/v1/approval-requests/{id}/reject/"): (
        "Relay the client's rejection",
        {"on_behalf_of": "meridian-approver", "comment": "Not before the audit in AI-57."},
    ),
    ("post", "/api/v1/approval-requests/{id}/freeze-override/"): (
        "Go ahead in the freeze",
        {"reason": "Security fix agreed with the client's CISO."},
    ),
    ("post", "/api/v1/approval-policies/"): (
        "Two approvals for production",
        {
            "tenant": "meridian",
            "target_stage": "production",
            "required_approvals": 2,
            "eligible_users": ["meridian-approver"],
        },
    ),
    ("patch", "/api/v1/approval-policies/{id}/"): ("Gate on readiness", {"readiness_gate_required": True}),
    ("post", "/api/v1/freeze-windows/"): (
        "Year-end freeze",
        {
            "tenant": "meridian",
            "name": "Year end",
            "kind": "one_off",
            "starts_on": "2026-12-20T00:00:00+01:00",
            "ends_on": "2027-01-04T00:00:00+01:00",
        },
    ),
    ("patch", "/api/v1/freeze-windows/{id}/"): ("Turn it off", {"is_active": False}),
    ("post", "/api/v1/webhooks/"): (
        "Approvals to Jira",
        {
            "tenant": "meridian",
            "url": "https://hooks.meridian.example/stagegate",
            "event_types": ["approval.requested", "approval.approved", "approval.rejected"],
        },
    ),
    ("patch", "/api/v1/webhooks/{id}/"): ("Pause deliveries", {"is_active": False}),
    ("patch", "/api/v1/tenants/{slug}/members/{username}/"): (
        "Narrow to granted projects",
        {"role": "engineer", "all_projects": False},
    ),
    ("post", "/api/v1/certifications/"): (
        "A region's certification",
        {
            "provider": "aws",
            "region": "eu-west-1",
            "certification": "iso_27001",
            "verified_on": "2026-11-30",
            "source": "https://aws.amazon.example/compliance/iso-27001-faqs/",
        },
    ),
}


def add_request_examples(result, generator, request, public):
    """Set each operation's example body from ``REQUEST_EXAMPLES`` (the ones a view declares stay)."""
    for (method, path), (summary, body) in REQUEST_EXAMPLES.items():
        operation = result["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content is not None and "examples" not in content:
            content["examples"] = {"Example": {"summary": summary, "value": body}}
    return result
