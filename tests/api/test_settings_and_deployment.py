"""Tenant settings (policies, freeze windows) and where a project runs, over the API."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment, RoutingRule
from projects.models import ApprovalPolicy, FreezeWindow, Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

RULE = {
    "condition_kind": "traffic",
    "traffic_condition": "other",
    "destination": "cloud_api",
    "api_model": "openai:gpt-4o-mini",
    "share_percent": "50",
}
ENVIRONMENT = {"provider": "aws", "account_id": "1234", "regions": ["ap-southeast-1"], "access_pattern": "SSO role"}


def test_policies_are_read_by_members_and_changed_by_customer_admins(api, people):
    admin = api(people["admin"])
    created = admin.post(
        "/api/v1/approval-policies/",
        {"tenant": "acme", "target_stage": "production", "required_approvals": 2, "eligible_users": ["approver"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    policy_id = created.json()["id"]
    assert created.json()["eligible_users"] == ["approver"]
    assert [p["id"] for p in api(people["viewer"]).get("/api/v1/approval-policies/").json()["results"]] == [policy_id]
    refused = api(people["lead"]).patch(f"/api/v1/approval-policies/{policy_id}/", {"expiry_hours": 5}, format="json")
    assert refused.status_code == 403
    etag = admin.get(f"/api/v1/approval-policies/{policy_id}/")["ETag"]
    changed = admin.patch(
        f"/api/v1/approval-policies/{policy_id}/", {"expiry_hours": 5}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.json()["expiry_hours"] == 5
    stale = admin.patch(
        f"/api/v1/approval-policies/{policy_id}/", {"expiry_hours": 6}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    bad = admin.patch(f"/api/v1/approval-policies/{policy_id}/", {"required_approvals": 0}, format="json")
    assert bad.json()["error"]["fields"][0]["field"] == "required_approvals"
    assert admin.delete(f"/api/v1/approval-policies/{policy_id}/").status_code == 204
    assert not ApprovalPolicy.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="policy.").count() == 3


def test_freeze_windows_over_the_api(api, people):
    admin = api(people["admin"])
    created = admin.post(
        "/api/v1/freeze-windows/",
        {
            "tenant": "acme",
            "name": "Weekend",
            "kind": "weekly",
            "start_weekday": 4,
            "start_time": "18:00",
            "end_weekday": 0,
            "end_time": "06:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    bad = admin.post(
        "/api/v1/freeze-windows/",
        {
            "tenant": "acme",
            "name": "Backwards",
            "kind": "one_off",
            "starts_on": "2026-12-24T10:00:00Z",
            "ends_on": "2026-12-20T10:00:00Z",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"][0]["field"] == "ends_on"
    assert FreezeWindow.objects.count() == 1
    assert api(people["approver"]).delete(f"/api/v1/freeze-windows/{created.json()['id']}/").status_code == 403


def test_switch_to_customer_cloud_edit_environment_and_route_traffic(api, people, project):
    lead = api(people["lead"])
    switched = lead.post(
        f"/api/v1/projects/{project.pk}/deployment-model/",
        {"deployment_model": "customer_cloud", "environment": ENVIRONMENT},
        format="json",
    )
    assert switched.status_code == 200, switched.json()
    assert switched.json()["environment"]["account_id"] == "1234"
    assert switched.json()["deployment_card"]["who_controls_it"].startswith("Acme")
    missing = lead.post(
        f"/api/v1/projects/{ProjectFactory(tenant=project.tenant).pk}/deployment-model/",
        {"deployment_model": "customer_cloud"},
        format="json",
    )
    assert {f["field"] for f in missing.json()["error"]["fields"]} == {
        "environment.provider",
        "environment.account_id",
        "environment.regions",
        "environment.access_pattern",
    }
    edited = api(people["engineer"]).patch(
        f"/api/v1/projects/{project.pk}/environment/", {"regions": ["ap-southeast-1", "ap-southeast-7"]}, format="json"
    )
    assert edited.json()["environment"]["regions"] == ["ap-southeast-1", "ap-southeast-7"]
    bad = lead.patch(f"/api/v1/projects/{project.pk}/environment/", {"colour": "blue"}, format="json")
    assert bad.json()["error"]["fields"][0]["field"] == "colour"

    Project.objects.filter(pk=project.pk).update(hosting_approach="hybrid")
    rules = [
        {
            "condition_kind": "data_class",
            "data_class": "regulated",
            "destination": "self_hosted",
            "share_percent": "60",
        },
        {
            "condition_kind": "traffic",
            "traffic_condition": "other",
            "destination": "cloud_api",
            "api_model": "openai:gpt-4o-mini",
            "share_percent": "40",
        },
    ]
    routed = lead.put(f"/api/v1/projects/{project.pk}/routing-rules/", {"rules": rules}, format="json")
    assert routed.status_code == 200, routed.json()
    assert [r["share_percent"] for r in routed.json()["routing_rules"]] == ["60.00", "40.00"]
    uneven = lead.put(
        f"/api/v1/projects/{project.pk}/routing-rules/", {"rules": [{**rules[0], "share_percent": "50"}]}, format="json"
    )
    assert uneven.json()["error"]["fields"][0]["field"] == "rules"
    assert Decimal(routed.json()["routing_rules"][0]["share_percent"]) == 60


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        ("routing-rules/", {"rules": [RULE, {**RULE, "share_percent": "thirty"}]}, {"rules.1.share_percent"}),
        ("routing-rules/", {"rules": [RULE, {**RULE, "colour": "red"}]}, {"rules.1.colour"}),
        ("routing-rules/", {"rules": [RULE, "half"]}, {"rules.1"}),
        ("routing-rules/", {"rules": "half"}, {"rules"}),
        ("environment/", {"regions": "eu-west-1"}, {"regions"}),
    ],
)
def test_a_place_in_a_list_is_named_by_its_index_after_a_dot_whichever_rule_refuses_it(
    api, people, project, path, body, fields
):
    """One way of naming a place in a body, as the integration guide gives it: ``rules.1.share_percent``
    whether the JSON type or the service refuses the value; ``rules.1`` for the item as a whole."""
    Project.objects.filter(pk=project.pk).update(deployment_model="customer_cloud", hosting_approach="hybrid")
    refused = api(people["lead"]).generic(
        "PUT" if path == "routing-rules/" else "PATCH",
        f"/api/v1/projects/{project.pk}/{path}",
        json.dumps(body),
        content_type="application/json",
    )
    assert refused.status_code == 400, refused.json()
    assert {item["field"] for item in refused.json()["error"]["fields"]} == fields
    assert not RoutingRule.objects.exists()
    assert not CustomerCloudEnvironment.objects.exists()


LISTS = [
    "/api/v1/projects/",
    "/api/v1/approval-requests/",
    "/api/v1/audit-events/",
    "/api/v1/tenants/",
    "/api/v1/approval-policies/",
    "/api/v1/freeze-windows/",
    "/api/v1/jobs/",
    "/api/v1/webhooks/",
    "/api/v1/webhook-deliveries/",
    "/api/v1/prices/",
]


@pytest.mark.parametrize("url", LISTS)
def test_every_list_runs_the_same_queries_for_2_or_40_rows(api, people, tenant, url):
    from assessments.catalog import prices_import
    from assessments.models import Job
    from projects.services.approvals import approval_request_create
    from projects.services.policies import freeze_window_save, policy_save
    from tests.factories import TenantFactory, member
    from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

    admin = api(people["platform"])
    stages = iter(["proof_of_concept", "pilot", "rollout", "production"] * 20)

    def grow(count):
        for _ in range(count):
            project = ProjectFactory(tenant=tenant)
            approval_request_create(project=project, actor=people["lead"])
            member(TenantFactory(), "customer_viewer")
            Job.objects.create(kind="assessment", project=project, tenant=tenant)
            endpoint = WebhookEndpoint.objects.create(tenant=tenant, url="https://x.example/h", secret="s")
            event = WebhookEvent.objects.create(tenant=tenant, event_type="project.created", body="{}")
            WebhookDelivery.objects.create(tenant=tenant, endpoint=endpoint, event=event)
            freeze_window_save(
                tenant=tenant,
                actor=people["admin"],
                name=f"W{FreezeWindow.objects.count()}",
                kind="weekly",
                start_weekday=1,
                start_time="01:00",
                end_weekday=1,
                end_time="02:00",
            )
            stage = next(stages, None)
            if stage and not ApprovalPolicy.objects.filter(tenant=tenant, target_stage=stage).exists():
                policy_save(
                    tenant=tenant, actor=people["admin"], target_stage=stage, eligible_users=[people["approver"]]
                )
        prices_import(prices={f"p:m{ApiModelPriceCount()}-{i}": (1, None, 2) for i in range(count)}, source="t")

    grow(2)
    admin.get(url)  # the token's last-used time is written on the first call of the minute
    with CaptureQueriesContext(connection) as few:
        assert admin.get(f"{url}?page_size=40").status_code == 200
    grow(40)
    with CaptureQueriesContext(connection) as many:
        body = admin.get(f"{url}?page_size=40").json()
    assert len(body["results"]) >= 4
    assert len(many.captured_queries) == len(few.captured_queries), url


def ApiModelPriceCount():
    from assessments.models import ApiModelPrice

    return ApiModelPrice.objects.count()
