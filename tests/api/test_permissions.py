"""Who may do what over the API, role by role, on their own tenant's objects.

Allowed means the request passes the permission checks (it may still be refused as invalid);
refused means 403. Reads are open to every role of the tenant.
"""

import pytest

from assessments.services.gates import evidence_record
from projects.services.approvals import approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from tenancy.models import Role
from tenancy.services import service_account_create
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

LEAD, ENGINEER, ADMIN, APPROVER, VIEWER = "lead", "engineer", "admin", "approver", "viewer"
EVERYONE = {LEAD, ENGINEER, ADMIN, APPROVER, VIEWER}

# (method, path template, body, roles allowed)
MATRIX = [
    ("get", "/api/v1/projects/{project}/", None, EVERYONE),
    ("patch", "/api/v1/projects/{project}/", {"name": "Renamed"}, {LEAD}),
    ("patch", "/api/v1/projects/{project}/", {"hosting_approach": "self_hosted_cloud"}, {LEAD, ENGINEER}),
    ("post", "/api/v1/projects/{project}/pause/", {"reason": "Hold"}, {LEAD}),
    ("post", "/api/v1/projects/{project}/deployment-model/", {"deployment_model": "managed_application"}, {LEAD}),
    ("patch", "/api/v1/projects/{project}/environment/", {"account_id": "42"}, {LEAD, ENGINEER}),
    ("post", "/api/v1/projects/{project}/assessments/", {}, {LEAD, ENGINEER}),
    ("post", "/api/v1/projects/{project}/cost-estimates/", {}, {LEAD, ENGINEER}),
    ("get", "/api/v1/projects/{project}/evidence/", None, EVERYONE),
    ("post", "/api/v1/projects/{project}/evidence/", {"item": "monitoring", "note": "Grafana"}, {LEAD, ENGINEER}),
    ("post", "/api/v1/projects/{project}/evidence/{evidence}/accept/", {}, {ADMIN, APPROVER}),
    ("post", "/api/v1/projects/{project}/evidence/{evidence}/withdraw/", {}, {LEAD, ENGINEER}),
    ("post", "/api/v1/approval-requests/", {"project": "{fresh}"}, {LEAD}),
    ("post", "/api/v1/approval-requests/{request}/approve/", {}, {ADMIN, APPROVER}),
    ("post", "/api/v1/approval-requests/{request}/reject/", {"comment": "No"}, {ADMIN, APPROVER}),
    ("patch", "/api/v1/approval-policies/{policy}/", {"expiry_hours": 10}, {ADMIN}),
    (
        "post",
        "/api/v1/freeze-windows/",
        {
            "tenant": "acme",
            "name": "F",
            "kind": "weekly",
            "start_weekday": 1,
            "start_time": "01:00",
            "end_weekday": 1,
            "end_time": "02:00",
        },
        {ADMIN},
    ),
    ("delete", "/api/v1/freeze-windows/{window}/", None, {ADMIN}),
]


@pytest.fixture
def objects(tenant, people, project):
    return {
        "project": project.pk,
        "fresh": ProjectFactory(tenant=tenant).pk,
        "evidence": evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed").pk,
        "request": approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead2"]).pk,
        "policy": policy_save(tenant=tenant, actor=people["admin"], required_approvals=1).pk,
        "window": freeze_window_save(
            tenant=tenant,
            actor=people["admin"],
            name="W",
            kind="weekly",
            start_weekday=2,
            start_time="01:00",
            end_weekday=2,
            end_time="02:00",
        ).pk,
    }


def fill(value, objects):
    if isinstance(value, str):
        return value.format(**objects) if "{" in value else value
    if isinstance(value, dict):
        return {
            key: int(fill(item, objects)) if item == "{fresh}" else fill(item, objects) for key, item in value.items()
        }
    return value


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize(("method", "path", "body", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
def test_role_matrix(api, people, objects, role, method, path, body, allowed):
    client = api(people[role])
    response = getattr(client, method)(fill(path, objects), fill(body, objects) or {}, format="json")
    if role in allowed:
        assert response.status_code not in {401, 403, 404}, response.content
    else:
        assert response.status_code == 403, (response.status_code, response.content)


def test_a_service_account_has_its_roles_rights_within_its_scopes(api, tenant, objects):
    bot = service_account_create(tenant=tenant, username="sn-bot", role=Role.CUSTOMER_APPROVER)
    reader = api(bot, scopes=("read",))
    assert reader.get(f"/api/v1/projects/{objects['project']}/").status_code == 200
    url = f"/api/v1/approval-requests/{objects['request']}/approve/"
    assert reader.post(url, {}, format="json").status_code == 403, "scope"
    assert (
        api(bot, scopes=("read", "write"))
        .patch(f"/api/v1/projects/{objects['project']}/", {"name": "x"}, format="json")
        .status_code
        == 403
    ), "role"
    assert api(bot, scopes=("approve",)).post(url, {}, format="json").status_code == 200
