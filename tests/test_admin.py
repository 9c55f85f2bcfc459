"""The operators' admin: every page renders, writes go through the services, the log is read-only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Role
from projects.models import ApprovalPolicy, FreezeWindow, Project
from projects.services.approvals import approval_request_create
from tests.factories import ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(username="operator", is_platform_admin=True, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_changelist_and_change_page_renders(client, operator, tenant, people, project):
    approval_request_create(project=project, actor=people["lead"])
    for model in admin.site._registry:
        response = client.get(changelist(model))
        assert response.status_code == 200, model
        first = model._default_manager.first()
        if first is not None:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
            assert client.get(url).status_code == 200, model


@pytest.mark.parametrize("model", [Project, Membership, AuditEvent])
def test_changelist_queries_do_not_grow_with_rows(client, operator, tenant, model, django_assert_max_num_queries):
    def grow(n):
        for _ in range(n):
            member(tenant, Role.CUSTOMER_VIEWER)
            ProjectFactory(tenant=tenant)
            AuditEvent.objects.create(action="test", object_type="x", object_id="1", source="system")

    grow(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(changelist(model))
    grow(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(changelist(model))


def test_creating_a_project_in_the_admin_goes_through_the_service(client, operator, tenant):
    response = client.post(
        reverse("admin:projects_project_add"),
        {
            "tenant": tenant.pk,
            "name": "Claims triage",
            "code": "CLM-1",
            "workload_type": "regulated_workflow",
            "hosting_approach": "cloud_api",
            "description": "",
            "delivery_lead": "",
            "projectuserobjectpermission_set-TOTAL_FORMS": "0",
            "projectuserobjectpermission_set-INITIAL_FORMS": "0",
            "projectgroupobjectpermission_set-TOTAL_FORMS": "0",
            "projectgroupobjectpermission_set-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(code="CLM-1")
    assert project.profile is not None
    assert AuditEvent.objects.filter(action="project.created", object_id=str(project.pk)).count() == 1
    assert AuditEvent.objects.get(action="project.created").source == AuditEvent.Source.ADMIN


def test_an_invalid_freeze_window_shows_the_error_and_saves_nothing(client, operator, tenant):
    response = client.post(
        reverse("admin:projects_freezewindow_add"),
        {
            "tenant": tenant.pk,
            "name": "Backwards",
            "kind": "one_off",
            "starts_on_0": "2026-12-24",
            "starts_on_1": "18:00",
            "ends_on_0": "2026-12-20",
            "ends_on_1": "08:00",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "The end must come after the start." in response.content.decode()
    assert not FreezeWindow.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_service_refusal_shows_in_the_form(client, operator, tenant):
    stranger = UserFactory(username="stranger")
    response = client.post(
        reverse("admin:projects_approvalpolicy_add"),
        {
            "tenant": tenant.pk,
            "target_stage": "",
            "required_approvals": "1",
            "eligible_roles": '["customer_approver"]',
            "eligible_users": [stranger.pk],
            "expiry_hours": "72",
        },
    )
    assert response.status_code == 200
    assert "stranger cannot" in response.content.decode()
    assert not ApprovalPolicy.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_policy_saved_in_the_admin_is_audited(client, operator, tenant):
    response = client.post(
        reverse("admin:projects_approvalpolicy_add"),
        {
            "tenant": tenant.pk,
            "target_stage": "production",
            "required_approvals": "2",
            "eligible_roles": '["customer_approver", "customer_admin"]',
            "expiry_hours": "48",
        },
    )
    assert response.status_code == 302
    assert ApprovalPolicy.objects.get().required_approvals == 2
    assert AuditEvent.objects.get().action == "policy.created"


def test_membership_changes_in_the_admin_are_audited(client, operator, tenant):
    person = UserFactory(username="newcomer")
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {"tenant": tenant.pk, "user": person.pk, "role": "customer_approver", "all_projects": "on"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get().action == "access.role_granted"
    membership = Membership.objects.get(user=person)
    response = client.post(reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(action="access.role_revoked").count() == 1


def test_audit_events_cannot_be_changed_or_deleted_in_the_admin(client, operator, tenant):
    event = AuditEvent.objects.create(action="test", object_type="x", object_id="1", source="system")
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    response = client.post(change, {"action": "tampered"})
    assert response.status_code == 403
    assert client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "test"
