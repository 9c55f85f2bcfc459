"""Every edit page refuses to save over a change made after it was opened (``core.forms.VersionedEditForm``).

Each case opens an edit page, lets another person change the same thing through the service, then
submits the page's form as the browser would: the form comes back (409) with the plain message, and
the other person's change stands. The same submission without the other change saves."""

import datetime
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal as D
from typing import Any

import pytest
from django import forms
from django.urls import reverse

from assessments.models import CostProfile, TenantCostDefaults
from assessments.services.cost_plans import cost_plan_update, tenant_cost_defaults_update
from core.forms import STALE_EDIT, VERSION_FIELD
from deployments.models import CustomerCloudEnvironment
from deployments.services import environment_update
from notifications.models import Kind
from notifications.services import email_choices, email_choices_save
from projects.models import ApprovalPolicy, DeploymentModel, FreezeWindow, Project, RequirementsProfile
from projects.services.policies import freeze_window_save, policy_save
from projects.services.projects import profile_update, project_update
from tenancy.models import Membership, Role
from tenancy.services import membership_grant
from tests.edit_forms import page_version
from webhooks import services as webhooks
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

HOOK_URL = "http://127.0.0.1:9/hook"
HTMX = {"HX-Request": "true"}
FACTS = {
    "provider": "aws",
    "account_id": "1234-5678-9012",
    "regions": ["eu-west-1"],
    "residency_regions": [],
    "access_pattern": "Client IAM role through the client's SSO",
    "network_isolation": "private_endpoints",
    "change_process_reference": "CAB weekly",
}


@pytest.fixture
def local_webhook_targets(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def edited(tenant, people, project, local_webhook_targets):
    """One row of every kind an edit page changes, in ``tenant``."""
    admin = people["admin"]
    environment_update(project=project, actor=people["lead"], **FACTS)
    Project.objects.filter(pk=project.pk).update(deployment_model=DeploymentModel.CUSTOMER_CLOUD)
    project.refresh_from_db()
    cost_plan_update(project=project, actor=people["lead"], staff_fte="1")
    tenant_cost_defaults_update(tenant=tenant, actor=admin, staff_fte="1")
    return {
        "project": project,
        "policy": policy_save(tenant=tenant, actor=admin, target_stage="pilot", required_approvals=2),
        "window": freeze_window_save(
            tenant=tenant,
            actor=admin,
            name="Year-end",
            kind="one_off",
            starts_on=datetime.datetime(2030, 12, 20, tzinfo=UTC),
            ends_on=datetime.datetime(2031, 1, 5, tzinfo=UTC),
        ),
        "endpoint": webhooks.endpoint_save(tenant=tenant, actor=admin, url=HOOK_URL, event_types=[]),
        "membership": Membership.objects.get(tenant=tenant, user=people["viewer"]),
    }


@dataclass
class Case:
    """One edit page: who edits, where, what they type, what another person changes meanwhile."""

    name: str
    who: str
    address: Any  # (edited) -> url
    mine: dict  # the fields the person changes on the page, by their names in the form
    theirs: Any  # (edited, people) -> None: the other person's change, through the service
    value: Any  # (edited) -> the stored value both changes touch
    mine_stored: Any
    theirs_stored: Any
    form: str = "form"  # the page's context name of the form


def _settings(name, key=None):
    return lambda e: reverse(name, args=[e["project"].tenant.slug, e[key].pk] if key else [e["project"].tenant.slug])


def _project(name):
    return lambda e: reverse(name, args=[e["project"].pk])


def _profile(e):
    return RequirementsProfile.objects.get(project=e["project"]).monthly_requests


def _environment(e):
    return CustomerCloudEnvironment.objects.get(project=e["project"]).change_process_reference


def _emailed(e):
    """The kinds the viewer (the person of ``edited``'s membership) gets by email."""
    return frozenset(kind for kind, email in email_choices(user=e["membership"].user).items() if email)


CASES = [
    Case(
        "project",
        "lead",
        _project("project-edit"),
        {"name": "Mine"},
        lambda e, p: project_update(project=e["project"], actor=p["lead2"], name="Theirs"),
        lambda e: Project.objects.get(pk=e["project"].pk).name,
        "Mine",
        "Theirs",
    ),
    Case(
        "requirements",
        "lead",
        _project("project-profile"),
        {"monthly_requests": "2000"},
        lambda e, p: profile_update(project=e["project"], actor=p["lead2"], monthly_requests=3000),
        _profile,
        2000,
        3000,
    ),
    Case(
        "environment",
        "engineer",
        _project("project-environment"),
        {"change_process_reference": "CAB mine"},
        lambda e, p: environment_update(project=e["project"], actor=p["lead"], change_process_reference="CAB theirs"),
        _environment,
        "CAB mine",
        "CAB theirs",
    ),
    Case(
        "deployment model",
        "lead",
        _project("project-deployment-model"),
        {"change_process_reference": "CAB mine"},
        lambda e, p: environment_update(project=e["project"], actor=p["lead2"], change_process_reference="CAB theirs"),
        _environment,
        "CAB mine",
        "CAB theirs",
    ),
    Case(
        "approval policy",
        "admin",
        _settings("settings-policy-edit", "policy"),
        {"expiry_hours": "10"},
        lambda e, p: policy_save(tenant=e["project"].tenant, actor=p["admin"], target_stage="pilot", expiry_hours=20),
        lambda e: ApprovalPolicy.objects.get(pk=e["policy"].pk).expiry_hours,
        10,
        20,
    ),
    Case(
        "freeze window",
        "admin",
        _settings("settings-freeze-edit", "window"),
        {"name": "Mine"},
        lambda e, p: freeze_window_save(
            tenant=e["project"].tenant, actor=p["admin"], window=e["window"], name="Theirs"
        ),
        lambda e: FreezeWindow.objects.get(pk=e["window"].pk).name,
        "Mine",
        "Theirs",
    ),
    Case(
        "webhook endpoint",
        "admin",
        _settings("settings-webhook-edit", "endpoint"),
        {"description": "Mine"},
        lambda e, p: webhooks.endpoint_save(
            tenant=e["project"].tenant,
            actor=p["admin"],
            endpoint=WebhookEndpoint.objects.get(pk=e["endpoint"].pk),
            description="Theirs",
        ),
        lambda e: WebhookEndpoint.objects.get(pk=e["endpoint"].pk).description,
        "Mine",
        "Theirs",
    ),
    Case(
        "member's role",
        "admin",
        _settings("settings-member-change", "membership"),
        {"role": Role.CUSTOMER_APPROVER},
        lambda e, p: membership_grant(
            tenant=e["project"].tenant, user=p["viewer"], role=Role.ENGINEER, all_projects=True, actor=p["admin"]
        ),
        lambda e: Membership.objects.get(pk=e["membership"].pk).role,
        Role.CUSTOMER_APPROVER,
        Role.ENGINEER,
    ),
    Case(
        "project's cost plan",
        "engineer",
        _project("project-cost-plan"),
        {"plan-staff_fte": "2"},
        lambda e, p: cost_plan_update(project=e["project"], actor=p["lead"], staff_fte="3"),
        lambda e: CostProfile.objects.get(project=e["project"]).staff_fte,
        D("2"),
        D("3"),
        form="cost_plan_form",
    ),
    Case(
        "client's cost defaults",
        "admin",
        _settings("settings-cost-defaults"),
        {"plan-staff_fte": "2"},
        lambda e, p: tenant_cost_defaults_update(tenant=e["project"].tenant, actor=p["admin"], staff_fte="3"),
        lambda e: TenantCostDefaults.objects.get(tenant=e["project"].tenant).staff_fte,
        D("2"),
        D("3"),
    ),
    Case(
        "person's email choices",
        "viewer",
        lambda e: reverse("personal-settings"),
        {"emailed": [Kind.APPROVAL_OUTCOME]},
        lambda e, p: email_choices_save(user=p["viewer"], choices={Kind.APPROVAL_WAITING: False}),
        _emailed,
        frozenset({Kind.APPROVAL_OUTCOME}),
        frozenset(Kind.values) - {Kind.APPROVAL_WAITING},
    ),
]
IDS = [case.name for case in CASES]


def page_data(form) -> dict:
    """What a browser sends back for ``form`` as drawn, untouched: every field's shown value."""
    data = {}
    for field in form:
        value = field.field.prepare_value(field.value())
        if isinstance(field.field.widget, forms.CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(item) for item in value]
        else:
            shown = field.field.widget.format_value(value)
            data[field.html_name] = "" if shown is None else shown
    return data


def opened(client, people, edited, case):
    """Open the page as ``case.who``: its address and the form's data as drawn, with the person's changes."""
    client.force_login(people[case.who])
    address = case.address(edited)
    page = client.get(address)
    assert page.status_code == 200
    return address, page_data(page.context[case.form]) | case.mine


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_page_carries_the_version_of_what_it_edits(client, people, edited, case):
    client.force_login(people[case.who])
    page = client.get(case.address(edited))
    (name, version), *_ = page_version(page).items()
    assert name.endswith(VERSION_FIELD)
    assert version
    assert f'type="hidden" name="{name}"' in page.content.decode()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_change_made_after_the_page_opened_is_not_overwritten(client, people, edited, case):
    address, data = opened(client, people, edited, case)
    case.theirs(edited, people)

    response = client.post(address, data)

    assert response.status_code == 409
    assert STALE_EDIT in response.content.decode()
    assert case.value(edited) == case.theirs_stored
    # Sending the same page again changes nothing: the page still carries the old version.
    assert client.post(address, data).status_code == 409
    assert case.value(edited) == case.theirs_stored


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_an_edit_with_nothing_changed_meanwhile_is_saved(client, people, edited, case):
    address, data = opened(client, people, edited, case)

    response = client.post(address, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert case.value(edited) == case.mine_stored


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_form_without_its_version_is_refused(client, people, edited, case):
    """A page drawn before the version field existed (an old tab, a cache) cannot tell what it overwrites."""
    address, data = opened(client, people, edited, case)
    data = {name: value for name, value in data.items() if not name.endswith(VERSION_FIELD)}

    response = client.post(address, data)

    assert response.status_code == 409
    assert STALE_EDIT in response.content.decode()
    assert case.value(edited) != case.mine_stored


def test_the_cost_plan_form_drawn_by_htmx_is_refused_in_place(client, people, edited):
    """htmx swaps in no 4xx answer: the refused form comes back as 200, in the cost section."""
    case = next(case for case in CASES if case.name == "project's cost plan")
    client.force_login(people[case.who])
    address = case.address(edited)
    fragment = client.get(address, headers=HTMX)
    assert fragment.status_code == 200
    data = page_data(fragment.context["cost_plan_form"]) | case.mine
    assert VERSION_FIELD in "".join(data)
    case.theirs(edited, people)

    response = client.post(address, data, headers=HTMX)

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="costs"')
    assert STALE_EDIT in response.content.decode()
    assert case.value(edited) == case.theirs_stored


def test_after_a_refusal_the_reloaded_page_saves(client, people, edited):
    case = CASES[0]
    address, data = opened(client, people, edited, case)
    case.theirs(edited, people)
    assert client.post(address, data).status_code == 409

    _, data = opened(client, people, edited, case)
    assert client.post(address, data).status_code == 302
    assert case.value(edited) == case.mine_stored
