"""The operators' admin: every page renders in a fixed number of queries, writes go through the
services (so their rules apply and the audit log records them), and the workflow's records and
the audit log are read-only."""

import datetime
from decimal import Decimal as D

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from projects.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    FreezeWindow,
    Project,
    RequirementsProfile,
    StageTransition,
)
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from projects.services.projects import project_access_grant
from tenancy.models import Membership, Role, Tenant
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member
from tooling.demo import load_demo

pytestmark = pytest.mark.django_db


def writes():
    """Audit events of changes: sign-ins (recorded on every test login) left out."""
    return AuditEvent.objects.exclude(action__startswith="auth.")


READ_ONLY_MODELS = [AuditEvent, StageTransition, ApprovalRequest, ApprovalDecision]


@pytest.fixture
def operator(client):
    user = UserFactory(username="operator", is_platform_admin=True, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response):
    """What the browser would post back for the change form in ``response``, unchanged."""
    data = {}
    _add_fields(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        _add_fields(data, inline.formset.management_form)
        for form in inline.formset.forms:
            _add_fields(data, form)
    return data


def _add_fields(data, form):
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        widget = getattr(field.widget, "widget", field.widget)  # unwrap the admin's related-field wrapper
        if isinstance(widget, forms.MultiWidget):
            for index, (part, subwidget) in enumerate(zip(widget.decompress(value), widget.widgets, strict=True)):
                data[f"{bound.html_name}_{index}"] = subwidget.format_value(part) or ""
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)


def errors(response):
    return response.context["adminform"].form.errors


def nothing_written():
    return not writes().exists()


# --- Every page renders -------------------------------------------------------------------------------


def test_every_registered_model_has_pages_that_render(client, operator):
    load_demo()
    Group.objects.create(name="Reviewers")
    own_apps = {"accounts", "tenancy", "projects"}
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        changelist = client.get(url(model, "changelist"))
        assert changelist.status_code == 200, label
        if model_admin.search_fields:
            assert client.get(url(model, "changelist"), {"q": "a"}).status_code == 200, label
        add = client.get(url(model, "add"))
        assert add.status_code == (200 if model_admin.has_add_permission(changelist.wsgi_request) else 403), label
        first = model._default_manager.first()
        if first is None:
            assert model._meta.app_label not in own_apps, f"the demo has no {label}: nothing to open"
            continue
        assert client.get(url(model, "change", first.pk)).status_code == 200, label
        delete = client.get(url(model, "delete", first.pk))
        assert delete.status_code in (200, 403), label


# --- Changelists: the same number of queries for 2 rows as for 20 ----------------------------------------


class Rows:
    """Makes ``n`` more rows of one model, through the services where there are some."""

    def __init__(self, tenant, people):
        self.home = tenant
        self.people = people

    def make(self, model, n):
        getattr(self, model._meta.model_name)(n)

    def tenant(self, n):
        for _ in range(n):
            TenantFactory()

    def user(self, n):
        for _ in range(n):
            UserFactory()

    def group(self, n):
        for index in range(n):
            Group.objects.create(name=f"group {Group.objects.count()}-{index}")

    def membership(self, n):
        for _ in range(n):
            member(self.home, Role.CUSTOMER_VIEWER)

    def auditevent(self, n):
        project = ProjectFactory(tenant=self.home)
        for _ in range(n):
            audit_record(action="project.updated", obj=project, actor=self.people["lead"], after={"n": 1})

    def project(self, n):
        for _ in range(n):
            ProjectFactory(tenant=self.home, delivery_lead=self.people["lead"])

    def requirementsprofile(self, n):
        self.project(n)

    def approvalpolicy(self, n):
        # One default policy per tenant, naming an approver of that tenant.
        for _ in range(n):
            tenant = TenantFactory()
            approver = member(tenant, Role.CUSTOMER_APPROVER)
            policy_save(tenant=tenant, actor=self.people["platform"], eligible_users=[approver])

    def freezewindow(self, n):
        for index in range(n):
            freeze_window_save(
                tenant=self.home,
                actor=self.people["admin"],
                name=f"Freeze {index}",
                kind="weekly",
                start_weekday=4,
                start_time=datetime.time(18),
                end_weekday=0,
                end_time=datetime.time(8),
            )

    def _promoted(self, n):
        """Projects moved to proof of concept through an approved request: a request, a decision, a transition."""
        for _ in range(n):
            project = ProjectFactory(tenant=self.home, delivery_lead=self.people["lead"])
            request = approval_request_create(project=project, actor=self.people["lead"])
            approval_decide(request=request, actor=self.people["approver"], verdict="approve")

    stagetransition = approvalrequest = approvaldecision = _promoted


OWN_MODELS = [
    Tenant,
    User,
    Group,
    Membership,
    AuditEvent,
    Project,
    RequirementsProfile,
    ApprovalPolicy,
    FreezeWindow,
    StageTransition,
    ApprovalRequest,
    ApprovalDecision,
]


def test_the_query_budget_covers_every_model_of_these_admins():
    registered = {
        model for model in admin.site._registry if model._meta.app_label in {"accounts", "tenancy", "projects"}
    }
    assert registered <= set(OWN_MODELS)


@pytest.mark.parametrize("model", OWN_MODELS, ids=lambda model: model._meta.label)
def test_changelist_queries_do_not_grow_with_rows(client, operator, tenant, people, model, django_assert_num_queries):
    rows = Rows(tenant, people)
    rows.make(model, 2)
    client.get(url(model, "changelist"))  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as two:
        assert client.get(url(model, "changelist")).status_code == 200
    rows.make(model, 18)
    assert model._default_manager.count() >= 20
    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(url(model, "changelist"))
    assert response.context["cl"].result_count >= 20


def test_a_project_change_form_does_not_query_per_grant(client, operator, tenant, people, project):
    def grant(n):
        for _ in range(n):
            project_access_grant(project=project, user=UserFactory(), role=Role.ENGINEER, actor=people["admin"])

    grant(2)
    client.get(url(Project, "change", project.pk))
    with CaptureQueriesContext(connection) as two:
        client.get(url(Project, "change", project.pk))
    grant(10)
    with CaptureQueriesContext(connection) as twelve:
        client.get(url(Project, "change", project.pk))
    assert len(twelve.captured_queries) == len(two.captured_queries)


# --- Projects ---------------------------------------------------------------------------------------------

NEW_PROJECT = {
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
}


def test_creating_a_project_in_the_admin_goes_through_the_service(client, operator, tenant):
    response = client.post(url(Project, "add"), {"tenant": tenant.pk, **NEW_PROJECT})
    assert response.status_code == 302, errors(response)
    project = Project.objects.get(code="CLM-1")
    assert RequirementsProfile.objects.filter(project=project).exists()
    event = writes().get()
    assert (event.action, event.object_id, event.source, event.actor) == (
        "project.created",
        str(project.pk),
        AuditEvent.Source.ADMIN,
        operator,
    )


def test_a_refused_project_shows_its_errors_and_saves_nothing(client, operator, tenant, people, project):
    response = client.post(url(Project, "add"), {"tenant": tenant.pk, **NEW_PROJECT, "code": "bad code"})
    assert response.status_code == 200
    assert "code" in errors(response)
    response = client.post(url(Project, "add"), {"tenant": tenant.pk, **NEW_PROJECT, "code": project.code})
    assert response.status_code == 200
    assert "Code already exists" in str(errors(response))
    assert list(Project.objects.all()) == [project]
    assert not RequirementsProfile.objects.exclude(project=project).exists()
    assert nothing_written()


def test_changing_a_project_records_only_the_changed_fields(client, operator, project):
    data = form_data(client.get(url(Project, "change", project.pk)))
    assert client.post(url(Project, "change", project.pk), data).status_code == 302
    assert nothing_written(), "saving the form unchanged changes nothing"
    response = client.post(
        url(Project, "change", project.pk), {**data, "name": "Renamed", "hosting_approach": "hybrid"}
    )
    assert response.status_code == 302, errors(response)
    event = writes().get()
    assert (event.action, event.source) == ("project.updated", "admin")
    assert event.after == {"name": "Renamed", "hosting_approach": "hybrid"}
    project.refresh_from_db()
    assert (project.name, project.hosting_approach) == ("Renamed", "hybrid")


def test_stage_and_deployment_model_cannot_be_set_in_the_project_form(client, operator, project):
    response = client.get(url(Project, "change", project.pk))
    form = response.context["adminform"].form
    for field in ("stage", "stage_before_pause", "deployment_model", "tenant"):
        assert field not in form.fields
    data = form_data(response)
    response = client.post(
        url(Project, "change", project.pk), {**data, "stage": "production", "deployment_model": "customer_cloud"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.deployment_model) == ("discovery", "managed_application")
    assert nothing_written()


def test_projects_are_retired_not_deleted_in_the_admin(client, operator, project):
    assert client.post(url(Project, "delete", project.pk), {"post": "yes"}).status_code == 403
    changelist = client.get(url(Project, "changelist"))
    assert "delete_selected" not in admin.site._registry[Project].get_actions(changelist.wsgi_request)
    assert Project.objects.filter(pk=project.pk).exists()


# --- Requirements profile -----------------------------------------------------------------------------------


def test_the_profile_is_changed_through_the_service(client, operator, project):
    profile = RequirementsProfile.objects.get(project=project)
    assert client.get(url(RequirementsProfile, "add")).status_code == 403
    data = form_data(client.get(url(RequirementsProfile, "change", profile.pk)))
    assert client.post(url(RequirementsProfile, "change", profile.pk), data).status_code == 302
    assert nothing_written()
    response = client.post(
        url(RequirementsProfile, "change", profile.pk),
        {**data, "residency": "strict", "residency_region": "Thailand", "monthly_budget": "1200.00"},
    )
    assert response.status_code == 302, errors(response)
    event = writes().get()
    assert (event.action, event.project_id, event.source) == ("project.profile_updated", project.pk, "admin")
    assert event.after == {"residency": "strict", "residency_region": "Thailand", "monthly_budget": "1200.00"}


def test_a_profile_breaking_a_rule_shows_the_field_error_and_saves_nothing(client, operator, project):
    profile = RequirementsProfile.objects.get(project=project)
    before = RequirementsProfile.objects.filter(pk=profile.pk).values().get()
    data = form_data(client.get(url(RequirementsProfile, "change", profile.pk)))
    response = client.post(
        url(RequirementsProfile, "change", profile.pk),
        {**data, "residency": "strict", "residency_region": "", "data_categories": '["health"]'},
    )
    assert response.status_code == 200
    assert set(errors(response)) == {"residency_region", "data_sensitivity"}
    assert RequirementsProfile.objects.filter(pk=profile.pk).values().get() == before
    assert nothing_written()


# --- Approval policies -------------------------------------------------------------------------------------------


def test_a_policy_saved_in_the_admin_is_audited(client, operator, tenant, people):
    response = client.post(
        url(ApprovalPolicy, "add"),
        {
            "tenant": tenant.pk,
            "target_stage": "production",
            "required_approvals": "2",
            "eligible_roles": '["customer_approver", "customer_admin"]',
            "eligible_users": [people["approver"].pk],
            "expiry_hours": "48",
        },
    )
    assert response.status_code == 302, errors(response)
    policy = ApprovalPolicy.objects.get()
    assert (policy.required_approvals, list(policy.eligible_users.all())) == (2, [people["approver"]])
    event = writes().get()
    assert (event.action, event.source) == ("policy.created", "admin")
    assert event.after["eligible_users"] == ["approver"]

    data = form_data(client.get(url(ApprovalPolicy, "change", policy.pk)))
    assert client.post(url(ApprovalPolicy, "change", policy.pk), data).status_code == 302
    assert writes().count() == 1, "saving the form unchanged changes nothing"
    response = client.post(
        url(ApprovalPolicy, "change", policy.pk), {**data, "eligible_users": [], "required_approvals": "1"}
    )
    assert response.status_code == 302, errors(response)
    updated = writes().get(action="policy.updated")
    assert updated.before == {"required_approvals": 2, "eligible_users": ["approver"]}
    assert updated.after == {"required_approvals": 1, "eligible_users": []}

    assert client.post(url(ApprovalPolicy, "delete", policy.pk), {"post": "yes"}).status_code == 302
    assert not ApprovalPolicy.objects.exists()
    assert writes().filter(action="policy.deleted", object_id=str(policy.pk)).count() == 1


def test_a_service_refusal_shows_on_the_field_and_saves_nothing(client, operator, tenant):
    stranger = UserFactory(username="stranger")
    response = client.post(
        url(ApprovalPolicy, "add"),
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
    assert "stranger cannot" in str(errors(response)["eligible_users"])
    assert not ApprovalPolicy.objects.exists()
    assert nothing_written()


# --- Freeze windows ------------------------------------------------------------------------------------------------

YEAR_END = {
    "name": "Year end",
    "kind": "one_off",
    "starts_on_0": "2026-12-24",
    "starts_on_1": "18:00",
    "ends_on_0": "2027-01-02",
    "ends_on_1": "08:00",
    "is_active": "on",
}


def test_a_freeze_window_is_created_changed_and_deleted_through_the_service(client, operator, tenant):
    response = client.post(url(FreezeWindow, "add"), {"tenant": tenant.pk, **YEAR_END})
    assert response.status_code == 302, errors(response)
    window = FreezeWindow.objects.get()
    assert (window.tenant, window.name) == (tenant, "Year end")
    assert writes().get().action == "freeze.created"

    data = form_data(client.get(url(FreezeWindow, "change", window.pk)))
    assert client.post(url(FreezeWindow, "change", window.pk), data).status_code == 302
    assert writes().count() == 1, "saving the form unchanged changes nothing"
    response = client.post(url(FreezeWindow, "change", window.pk), {**data, "name": "Holidays", "ends_on_1": "09:00"})
    assert response.status_code == 302, errors(response)
    updated = writes().get(action="freeze.updated")
    assert updated.before["name"] == "Year end"
    assert updated.after["name"] == "Holidays"
    assert set(updated.after) == {"name", "ends_on"}

    assert client.post(url(FreezeWindow, "delete", window.pk), {"post": "yes"}).status_code == 302
    assert not FreezeWindow.objects.exists()
    assert writes().filter(action="freeze.deleted").count() == 1


def test_an_invalid_freeze_window_shows_the_field_error_and_saves_nothing(client, operator, tenant):
    response = client.post(
        url(FreezeWindow, "add"),
        {"tenant": tenant.pk, **YEAR_END, "ends_on_0": "2026-12-20", "ends_on_1": "08:00"},
    )
    assert response.status_code == 200
    assert errors(response)["ends_on"] == ["The end must come after the start."]
    assert "The end must come after the start." in response.content.decode()
    assert not FreezeWindow.objects.exists()
    assert nothing_written()


def test_an_invalid_change_to_a_freeze_window_keeps_the_stored_one(client, operator, tenant, people):
    window = freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Weekend",
        kind="weekly",
        start_weekday=4,
        start_time=datetime.time(18),
        end_weekday=0,
        end_time=datetime.time(8),
    )
    before = FreezeWindow.objects.filter(pk=window.pk).values().get()
    data = form_data(client.get(url(FreezeWindow, "change", window.pk)))
    response = client.post(url(FreezeWindow, "change", window.pk), {**data, "end_weekday": "4", "end_time": "18:00"})
    assert response.status_code == 200
    assert "end_time" in errors(response)
    assert FreezeWindow.objects.filter(pk=window.pk).values().get() == before
    assert writes().count() == 1


# --- Tenants and memberships ------------------------------------------------------------------------------------------


def test_a_tenant_created_in_the_admin_is_audited(client, operator):
    response = client.post(
        url(Tenant, "add"),
        {
            "name": "Globex",
            "slug": "globex",
            "industry": "retail",
            "regulations": '["gdpr"]',
            "residency_region": "EU",
            "time_zone": "Europe/Berlin",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, errors(response)
    tenant = Tenant.objects.get(slug="globex")
    event = writes().get()
    assert (event.action, event.tenant_id, event.source) == ("tenant.created", tenant.pk, "admin")
    assert client.post(url(Tenant, "delete", tenant.pk), {"post": "yes"}).status_code == 403


def test_membership_changes_in_the_admin_are_audited(client, operator, tenant):
    member(tenant, Role.CUSTOMER_ADMIN, username="resident-admin")
    person = UserFactory(username="newcomer")
    response = client.post(
        url(Membership, "add"),
        {"tenant": tenant.pk, "user": person.pk, "role": "customer_approver", "all_projects": "on"},
    )
    assert response.status_code == 302, errors(response)
    assert writes().get().action == "access.role_granted"
    membership = Membership.objects.get(user=person)

    response = client.post(url(Membership, "change", membership.pk), {"role": "customer_admin"})
    assert response.status_code == 302, errors(response)
    changed = writes().order_by("pk").last()
    assert changed.before == {"role": "customer_approver", "all_projects": True}
    assert changed.after == {"role": "customer_admin", "all_projects": False, "user": "newcomer"}

    response = client.post(url(Membership, "delete", membership.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=person).exists()
    assert writes().filter(action="access.role_revoked").count() == 1
    assert set(writes().values_list("source", flat=True)) == {"admin"}


def test_the_admin_refuses_to_remove_a_clients_last_customer_admin_and_says_why(client, operator, tenant):
    only = member(tenant, Role.CUSTOMER_ADMIN, username="only-admin")
    viewer = member(tenant, Role.CUSTOMER_VIEWER, username="a-viewer")
    membership = Membership.objects.get(user=only)
    response = client.post(url(Membership, "delete", membership.pk), {"post": "yes"}, follow=True)
    assert "Only-admin is the last customer admin of this client" in response.content.decode()
    ids = list(Membership.objects.filter(user__in=[only, viewer]).values_list("pk", flat=True))
    response = client.post(
        url(Membership, "changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        follow=True,
    )
    assert "Only-admin is the last customer admin of this client" in response.content.decode()
    assert Membership.objects.filter(pk__in=ids).count() == 2  # the bulk delete is refused as a whole
    assert not writes().filter(action="access.role_revoked").exists()


def test_a_bulk_membership_delete_revokes_each_through_the_service(client, operator, tenant):
    people = [member(tenant, Role.CUSTOMER_VIEWER) for _ in range(3)]
    ids = list(Membership.objects.filter(user__in=people).values_list("pk", flat=True))
    response = client.post(
        url(Membership, "changelist"), {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=ids).exists()
    assert writes().filter(action="access.role_revoked").count() == 3


# --- Read-only records and the audit log ---------------------------------------------------------------


@pytest.fixture
def workflow_records(tenant, people):
    Rows(tenant, people)._promoted(1)
    return {
        AuditEvent: writes().first(),
        StageTransition: StageTransition.objects.get(),
        ApprovalRequest: ApprovalRequest.objects.get(),
        ApprovalDecision: ApprovalDecision.objects.get(),
    }


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda model: model._meta.label)
def test_workflow_records_and_the_audit_log_cannot_be_added_changed_or_deleted(
    client, operator, workflow_records, model
):
    record = workflow_records[model]
    before = list(model._default_manager.order_by("pk").values())
    events = writes().count()
    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "add"), {}).status_code == 403
    view = client.get(url(model, "change", record.pk))
    assert view.status_code == 200, "shown, read-only"
    assert not view.context["has_change_permission"]
    assert not view.context["adminform"].form.fields, "every field is shown read-only"
    assert client.post(url(model, "change", record.pk), {"action": "tampered", "status": "approved"}).status_code == 403
    assert client.get(url(model, "delete", record.pk)).status_code == 403
    assert client.post(url(model, "delete", record.pk), {"post": "yes"}).status_code == 403
    response = client.post(
        url(model, "changelist"), {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert list(model._default_manager.order_by("pk").values()) == before
    assert writes().count() == events


def test_the_audit_log_offers_no_bulk_action_and_filters_as_documented(client, operator, project, people):
    audit_record(action="project.updated", obj=project, actor=people["lead"], after={"name": "x"})
    response = client.get(url(AuditEvent, "changelist"))
    assert response.context["action_form"] is None, "no bulk action, not even delete"
    model_admin = admin.site._registry[AuditEvent]
    assert set(model_admin.get_readonly_fields(response.wsgi_request)) == {
        field.name for field in AuditEvent._meta.fields
    }
    assert list(model_admin.list_filter) == ["action", "source", "tenant"]
    assert {"object_repr", "actor_name", "request_id"} <= set(model_admin.search_fields)
    assert model_admin.date_hierarchy == "created_at"
    found = client.get(url(AuditEvent, "changelist"), {"q": "lead", "source__exact": "system"})
    assert found.context["cl"].result_count == 1
    assert client.get(url(AuditEvent, "changelist"), {"q": "nobody"}).context["cl"].result_count == 0


def test_decisions_list_shows_the_project_and_stage(client, operator, workflow_records, project):
    decision = workflow_records[ApprovalDecision]
    content = client.get(url(ApprovalDecision, "changelist")).content.decode()
    assert decision.request.project.code in content
    assert "Proof of concept" in content


def test_money_in_a_profile_round_trips_through_the_form(client, operator, project, people):
    """The admin posts decimals as the stored text, so an unchanged amount never looks changed."""
    RequirementsProfile.objects.filter(project=project).update(monthly_budget=D("1500.50"))
    profile = RequirementsProfile.objects.get(project=project)
    data = form_data(client.get(url(RequirementsProfile, "change", profile.pk)))
    assert data["monthly_budget"] == "1500.50"
    assert client.post(url(RequirementsProfile, "change", profile.pk), data).status_code == 302
    assert nothing_written()


# --- Every admin write is audited ------------------------------------------------------------------------


def test_every_admin_that_writes_goes_through_a_service_or_the_audit():
    """A new admin page cannot save records silently: it writes through a service, audits itself, or is read-only."""
    from audit.admin_base import AuditedAdmin, ServiceAdmin
    from deployments.admin import CustomerCloudEnvironmentAdmin

    through_a_service = {
        CustomerCloudEnvironmentAdmin
    }  # save_model calls environment_update; adds nothing, deletes nothing
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, ServiceAdmin | AuditedAdmin) or type(model_admin) in through_a_service:
            continue
        request = type("Request", (), {"user": UserFactory.build(is_superuser=True, is_active=True, is_staff=True)})()
        writes_anything = (
            (
                model_admin.has_add_permission(request)
                if "obj" not in model_admin.has_add_permission.__code__.co_varnames
                else model_admin.has_add_permission(request, None)
            )
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        assert not writes_anything, f"{model._meta.label}: {type(model_admin).__name__} writes without an audit event"


TENANT_FORM = {
    "name": "Acme",
    "slug": "acme",
    "industry": "other",
    "regulations": "[]",
    "residency_region": "",
    "time_zone": "Asia/Bangkok",
    "is_active": "on",
}


def test_a_tenant_changed_in_the_admin_is_audited_through_the_service(client, operator, tenant):
    data = form_data(client.get(url(Tenant, "change", tenant.pk)))
    assert client.post(url(Tenant, "change", tenant.pk), data).status_code == 302
    assert nothing_written(), "saving the form unchanged changes nothing"
    changed = {**data, "name": "Acme Holdings", "regulations": '["gdpr"]'}
    changed.pop("is_active")  # unticked: the client is deactivated
    response = client.post(url(Tenant, "change", tenant.pk), changed)
    assert response.status_code == 302, errors(response)
    event = writes().get()
    assert (event.action, event.tenant_id, event.source, event.actor) == (
        "tenant.updated",
        tenant.pk,
        "admin",
        operator,
    )
    assert event.before == {"name": "Acme", "regulations": [], "is_active": True}
    assert event.after == {"name": "Acme Holdings", "regulations": ["gdpr"], "is_active": False}
    tenant.refresh_from_db()
    assert (tenant.name, tenant.is_active) == ("Acme Holdings", False)


def test_a_refused_tenant_change_shows_the_field_error_and_saves_nothing(client, operator, tenant):
    data = form_data(client.get(url(Tenant, "change", tenant.pk)))
    response = client.post(url(Tenant, "change", tenant.pk), {**data, "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "time_zone" in errors(response)
    tenant.refresh_from_db()
    assert tenant.time_zone == "Asia/Bangkok"
    assert nothing_written()


def test_making_someone_a_platform_admin_in_the_user_admin_is_audited(client, operator):
    from django.contrib.auth.models import Permission

    person = UserFactory(username="promoted")
    reviewers = Group.objects.create(name="Reviewers")
    permission = Permission.objects.get(codename="view_project")
    data = form_data(client.get(url(User, "change", person.pk)))
    assert client.post(url(User, "change", person.pk), data).status_code == 302
    assert nothing_written(), "saving the form unchanged changes nothing"
    response = client.post(
        url(User, "change", person.pk),
        {
            **data,
            "is_platform_admin": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [reviewers.pk],
            "user_permissions": [permission.pk],
        },
    )
    assert response.status_code == 302, errors(response)
    event = writes().get()
    assert (event.action, event.object_id, event.source, event.actor) == (
        "user.updated",
        str(person.pk),
        "admin",
        operator,
    )
    assert event.before == {
        "is_platform_admin": False,
        "is_staff": False,
        "is_superuser": False,
        "groups": [],
        "user_permissions": [],
    }
    assert event.after == {
        "is_platform_admin": True,
        "is_staff": True,
        "is_superuser": True,
        "groups": ["Reviewers"],
        "user_permissions": [str(permission)],
    }
    person.refresh_from_db()
    assert person.is_platform_admin

    data = form_data(client.get(url(User, "change", person.pk)))
    data.pop("is_active")
    assert client.post(url(User, "change", person.pk), data).status_code == 302
    deactivated = writes().order_by("pk").last()
    assert (deactivated.action, deactivated.before, deactivated.after) == (
        "user.updated",
        {"is_active": True},
        {"is_active": False},
    )


def test_adding_a_user_changing_a_password_and_deleting_are_audited(client, operator):
    response = client.post(
        url(User, "add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(username="newcomer")
    created = writes().get()
    assert (created.action, created.object_id, created.source) == ("user.created", str(person.pk), "admin")
    assert created.after == {"username": "newcomer"}

    password_url = reverse("admin:auth_user_password_change", args=[person.pk])
    response = client.post(
        password_url, {"password1": "another-long-phrase", "password2": "another-long-phrase", "set-password": ""}
    )
    assert response.status_code == 302
    changed = writes().get(action="user.password_changed")
    assert (changed.object_id, changed.actor, changed.after) == (str(person.pk), operator, {"usable_password": True})

    assert client.post(url(User, "delete", person.pk), {"post": "yes"}).status_code == 302
    deleted = writes().get(action="user.deleted")
    assert deleted.before["username"] == "newcomer"
    assert "password" not in deleted.before
    assert set(writes().values_list("source", flat=True)) == {"admin"}


def test_group_changes_in_the_admin_are_audited(client, operator):
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(codename="view_project")
    response = client.post(url(Group, "add"), {"name": "Auditors", "permissions": [permission.pk]})
    assert response.status_code == 302, errors(response)
    group = Group.objects.get(name="Auditors")
    event = writes().get()
    assert (event.action, event.after) == ("group.created", {"name": "Auditors", "permissions": [str(permission)]})
    response = client.post(url(Group, "change", group.pk), {"name": "Auditors", "permissions": []})
    assert response.status_code == 302, errors(response)
    assert writes().get(action="group.updated").after == {"permissions": []}
    ids = [group.pk]
    response = client.post(
        url(Group, "changelist"), {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert writes().get(action="group.deleted").before["name"] == "Auditors"


def test_catalog_entries_and_discounts_written_in_the_admin_are_audited(client, operator, tenant):
    from assessments.models import ApiModelPrice, TenantDiscount

    response = client.post(
        url(ApiModelPrice, "add"),
        {
            "provider": "acme-ai",
            "model": "large",
            "input_per_mtok": "3.00",
            "cached_input_per_mtok": "",
            "output_per_mtok": "15.00",
            "effective_from_0": "2026-01-01",
            "effective_from_1": "00:00",
            "source": "price list",
        },
    )
    assert response.status_code == 302, errors(response)
    price = writes().get()
    assert (price.action, price.after["model"], price.after["output_per_mtok"]) == (
        "apimodelprice.created",
        "large",
        "15.00",
    )

    response = client.post(
        url(TenantDiscount, "add"),
        {"tenant": tenant.pk, "provider": "acme-ai", "discount": "0.10", "valid_from": "2026-01-01", "note": ""},
    )
    assert response.status_code == 302, errors(response)
    discount = TenantDiscount.objects.get()
    added = writes().get(action="tenantdiscount.created")
    assert added.tenant_id == tenant.pk
    data = form_data(client.get(url(TenantDiscount, "change", discount.pk)))
    response = client.post(url(TenantDiscount, "change", discount.pk), {**data, "discount": "0.15"})
    assert response.status_code == 302, errors(response)
    updated = writes().get(action="tenantdiscount.updated")
    assert (set(updated.before), updated.tenant_id) == ({"discount"}, tenant.pk)
    assert (D(updated.before["discount"]), D(updated.after["discount"])) == (D("0.10"), D("0.15"))
    assert client.post(url(TenantDiscount, "delete", discount.pk), {"post": "yes"}).status_code == 302
    assert D(writes().get(action="tenantdiscount.deleted").before["discount"]) == D("0.15")
    assert not TenantDiscount.objects.exists()


def test_lifting_a_sign_in_lock_out_in_the_admin_is_audited(client, operator):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username="locked", ip_address="10.0.0.9", user_agent="x", failures_since_start=9, get_data="", post_data=""
    )
    assert client.post(url(AccessAttempt, "delete", attempt.pk), {"post": "yes"}).status_code == 302
    event = writes().get()
    assert (event.action, event.source, event.before["username"]) == ("accessattempt.deleted", "admin", "locked")
    assert not AccessAttempt.objects.exists()
