"""Creating and editing projects, their requirements profile, evidence and tickets."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent, Role
from projects.models import Project, RequirementsProfile
from projects.services.projects import (
    evidence_add,
    evidence_remove,
    profile_update,
    project_access_grant,
    project_access_revoke,
    project_create,
    project_update,
    ticket_link,
    ticket_unlink,
)
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def unchanged(call, exception=ValidationError, field=None):
    before = (
        list(Project.objects.values()),
        list(RequirementsProfile.objects.values()),
        AuditEvent.objects.count(),
    )
    with pytest.raises(exception) as error:
        call()
    if field:
        assert field in error.value.message_dict, error.value
    assert before == (
        list(Project.objects.values()),
        list(RequirementsProfile.objects.values()),
        AuditEvent.objects.count(),
    )


def test_create_makes_the_profile_and_one_event(tenant, people):
    project = project_create(
        tenant=tenant, actor=people["lead"], name="Claims", code="CLM-1", profile={"monthly_requests": 5000}
    )
    assert project.delivery_lead == people["lead"]
    assert project.profile.monthly_requests == 5000
    event = AuditEvent.objects.get()
    assert event.action == "project.created"
    assert event.after["profile"]["monthly_requests"] == 5000


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "lower-case"}, "code"),
        ({"code": "X"}, "code"),
        ({"name": ""}, "name"),
        ({"workload_type": "poetry"}, "workload_type"),
        ({"stage": "production"}, "stage"),
    ],
)
def test_create_refuses_bad_fields(tenant, people, fields, field):
    unchanged(
        lambda: project_create(tenant=tenant, actor=people["lead"], **{"name": "N", "code": "OK-1", **fields}),
        field=field,
    )


def test_codes_are_unique_within_a_tenant_only(tenant, people, project):
    unchanged(lambda: project_create(tenant=tenant, actor=people["lead"], name="Again", code=project.code))
    other = TenantFactory(slug="other")
    assert project_create(tenant=other, name="Same code elsewhere", code=project.code).code == project.code


def test_who_may_create(tenant, people):
    for who in ("engineer", "approver", "viewer", "outsider"):
        unchanged(
            lambda who=who: project_create(tenant=tenant, actor=people[who], name="N", code="NN-1"),
            exception=PermissionDenied,
        )


def test_update_records_only_what_changed(project, people):
    project_update(project=project, actor=people["lead"], name="Renamed", code=project.code)
    event = AuditEvent.objects.get()
    assert (event.before, event.after) == ({"name": project.name}, {"name": "Renamed"})
    project_update(project=project, actor=people["lead"], name="Renamed")
    assert AuditEvent.objects.count() == 1, "a no-op writes nothing"


def test_engineers_change_only_technical_fields(project, people):
    project_update(project=project, actor=people["engineer"], hosting_approach="self_hosted_cloud")
    unchanged(
        lambda: project_update(project=project, actor=people["engineer"], name="Mine now"), exception=PermissionDenied
    )
    unchanged(
        lambda: project_update(project=project, actor=people["viewer"], hosting_approach="cloud_api"),
        exception=PermissionDenied,
    )
    unchanged(
        lambda: project_update(project=project, actor=people["lead"], deployment_model="customer_cloud"),
        field="deployment_model",
    )


def test_evidence_and_tickets_are_audited(project, people):
    link = evidence_add(
        project=project,
        actor=people["engineer"],
        kind="press",
        title="Launch article",
        url="https://example.org/launch",
    )
    ticket = ticket_link(project=project, actor=people["lead"], system="jira", key=" AI-42 ")
    assert ticket.key == "AI-42"
    unchanged(lambda: ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42"))
    unchanged(
        lambda: evidence_add(project=project, actor=people["viewer"], kind="press", title="x"),
        exception=PermissionDenied,
    )
    evidence_remove(link=link, actor=people["lead"])
    ticket_unlink(ticket=ticket, actor=people["lead"])
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "evidence.added",
        "ticket.linked",
        "evidence.removed",
        "ticket.unlinked",
    ]


def test_project_grants_are_managed_by_customer_admins_and_audited(project, people):
    guest = UserFactory(username="guest")
    with pytest.raises(PermissionDenied):
        project_access_grant(project=project, user=guest, role=Role.CUSTOMER_VIEWER, actor=people["lead"])
    project_access_grant(project=project, user=guest, role=Role.CUSTOMER_VIEWER, actor=people["admin"])
    project_access_revoke(project=project, user=guest, actor=people["admin"])
    project_access_revoke(project=project, user=guest, actor=people["admin"])
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "access.project_granted",
        "access.project_revoked",
    ]
