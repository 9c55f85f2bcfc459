"""Permission before validation: a caller who may not make a change is refused (403) before
anything they sent is checked, so field errors never answer someone who may not write.

Each write is sent by a reader who may see the object but not change it, with a body that is
invalid too: the answer is 403 and names no field. The services behind the pages do the same.

One exception, by design: a write that takes no body at all (cancel, mark read, a DELETE) refuses a
body carrying names before its rights are checked (``api.bodies``), since those rights are the
service's to check as it writes. That answer depends on the request alone (the operation takes no
body), never on the object or on the caller's rights, so it tells a caller who may not write nothing
they could not read in the schema; an unknown object and another client's get it alike.
"""

import pytest
from django.core.exceptions import PermissionDenied

from deployments.services import environment_sign_off
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from projects.services.projects import profile_update, project_update
from tenancy.models import Role
from tenancy.services import service_account_create

pytestmark = pytest.mark.django_db

#: (reader, method, path, invalid body)
WRITES = {
    "project PATCH": ("viewer", "patch", "/api/v1/projects/{project}/", {"name": "", "code": "x" * 300}),
    "project PATCH profile": ("viewer", "patch", "/api/v1/projects/{project}/", {"profile": {"no_such": 1}}),
    "project create": ("viewer", "post", "/api/v1/projects/", {"tenant": "acme", "name": ""}),
    "rollback": ("viewer", "post", "/api/v1/projects/{project}/rollback/", {"to_stage": "nowhere"}),
    "pause": ("engineer", "post", "/api/v1/projects/{project}/pause/", {}),
    "retire": ("viewer", "post", "/api/v1/projects/{project}/retire/", {"reason": ["not", "text"]}),
    "deployment model": ("engineer", "post", "/api/v1/projects/{project}/deployment-model/", {"deployment_model": 7}),
    "environment": ("viewer", "patch", "/api/v1/projects/{project}/environment/", ["not", "an", "object"]),
    "routing rules": ("approver", "put", "/api/v1/projects/{project}/routing-rules/", {"rules": "none"}),
    "approval request": ("viewer", "post", "/api/v1/approval-requests/", {"project": "{project}", "note": ["x"]}),
    "reject": ("viewer", "post", "/api/v1/approval-requests/{request}/reject/", {"comment": ""}),
    "approve": ("engineer", "post", "/api/v1/approval-requests/{request}/approve/", {"comment": {"not": "text"}}),
    "relay": ("lead", "post", "/api/v1/approval-requests/{request}/approve/", {"on_behalf_of": "nobody"}),
    "sign-off relay": (
        "lead",
        "post",
        "/api/v1/projects/{project}/environment/sign-off/",
        {"kind": "everything", "on_behalf_of": "nobody"},
    ),
    "policy create": ("lead", "post", "/api/v1/approval-policies/", {"tenant": "acme", "required_approvals": "x"}),
    "policy PATCH": ("viewer", "patch", "/api/v1/approval-policies/{policy}/", {"eligible_users": ["nobody"]}),
    "window create": ("approver", "post", "/api/v1/freeze-windows/", {"tenant": "acme", "start_time": "noon"}),
    "window PATCH": ("viewer", "patch", "/api/v1/freeze-windows/{window}/", {"start_time": "noon"}),
    "evidence record": ("approver", "post", "/api/v1/projects/{project}/evidence/", {"item": "vibes", "note": ""}),
    "member add": ("approver", "post", "/api/v1/tenants/acme/members/", {"person": "", "role": "overlord"}),
    "member PATCH": ("viewer", "patch", "/api/v1/tenants/acme/members/lead/", {"role": "overlord"}),
    "service account create": ("lead", "post", "/api/v1/tenants/acme/service-accounts/", {"username": "a b"}),
    "token issue": ("approver", "post", "/api/v1/tenants/acme/service-accounts/{bot}/tokens/", {"scopes": ["root"]}),
}


@pytest.fixture
def objects(tenant, people, project):
    return {
        "project": project.pk,
        "request": approval_request_create(project=project, actor=people["lead"]).pk,
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
        "bot": service_account_create(tenant=tenant, username="acme-bot", role=Role.CUSTOMER_VIEWER).username,
    }


def _filled(value, objects):
    if isinstance(value, str):
        filled = value.format(**objects)
        return int(filled) if value == "{project}" else filled
    if isinstance(value, dict):
        return {key: _filled(item, objects) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, objects) for item in value]
    return value


@pytest.mark.parametrize("write", list(WRITES))
def test_a_caller_who_may_not_write_gets_403_before_any_field_error(api, people, objects, write):
    reader, method, path, body = WRITES[write]
    response = getattr(api(people[reader]), method)(path.format(**objects), _filled(body, objects), format="json")
    assert response.status_code == 403, (write, response.status_code, response.content)
    assert response.json()["error"]["fields"] == []


def test_project_update_checks_permission_before_values(people, project):
    with pytest.raises(PermissionDenied):
        project_update(project=project, actor=people["viewer"], stage="production")  # not a field it takes
    with pytest.raises(PermissionDenied):
        project_update(project=project, actor=people["engineer"], delivery_lead=people["viewer"])  # not a lead


def test_profile_update_checks_permission_before_values(people, project):
    with pytest.raises(PermissionDenied):
        profile_update(project=project, actor=people["approver"], no_such_field=1)


def test_a_sign_off_checks_who_signs_before_what(people, project):
    with pytest.raises(PermissionDenied):
        environment_sign_off(project=project, actor=people["engineer"], kind="not-a-kind")
    with pytest.raises(PermissionDenied):  # a relay by someone who is not the client's service account
        environment_sign_off(project=project, actor=people["approver"], kind="not-a-kind", relayed_by=people["lead"])


def test_a_decision_checks_eligibility_before_the_comment(people, project):
    request = approval_request_create(project=project, actor=people["lead"])
    with pytest.raises(PermissionDenied):
        approval_decide(request=request, actor=people["viewer"], verdict="reject", comment="")
