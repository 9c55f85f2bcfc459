"""Creating and editing projects, their evidence and tickets, and per-project grants.

The requirements profile's rules are in ``test_profile.py``.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from projects.models import (
    EvidenceLink,
    Project,
    ProjectUserObjectPermission,
    RequirementsProfile,
    TicketReference,
)
from projects.services.projects import (
    evidence_add,
    evidence_remove,
    project_access_grant,
    project_access_revoke,
    project_create,
    project_update,
    ticket_link,
    ticket_unlink,
)
from tenancy.access import Action, can
from tenancy.models import Role
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def stored():
    return (
        list(Project.objects.order_by("pk").values()),
        list(RequirementsProfile.objects.order_by("pk").values()),
        list(EvidenceLink.objects.order_by("pk").values()),
        list(TicketReference.objects.order_by("pk").values()),
        list(ProjectUserObjectPermission.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def unchanged(call, exception=ValidationError, field=None):
    """``call`` raises ``exception`` (with an error on ``field``, if given) and changes nothing."""
    before = stored()
    with pytest.raises(exception) as error:
        call()
    if field:
        assert field in error.value.message_dict, error.value
    assert stored() == before
    return error.value


def actions():
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# --- project_create ---------------------------------------------------------------------------------


def test_create_makes_the_profile_and_one_event(tenant, people):
    project = project_create(
        tenant=tenant, actor=people["lead"], name="Claims", code="CLM-1", profile={"monthly_requests": 5000}
    )
    assert project.delivery_lead == people["lead"], "the lead defaults to whoever creates the project"
    assert RequirementsProfile.objects.get(project=project).monthly_requests == 5000
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.actor, event.tenant_id) == (
        "project.created",
        str(project.pk),
        people["lead"],
        tenant.pk,
    )
    assert event.after["code"] == "CLM-1"
    assert event.after["profile"]["monthly_requests"] == 5000


def test_create_keeps_a_lead_given_explicitly(tenant, people):
    project = project_create(
        tenant=tenant, actor=people["lead"], name="Claims", code="CLM-1", delivery_lead=people["lead2"]
    )
    assert project.delivery_lead == people["lead2"]


def test_a_platform_admin_creating_a_project_does_not_become_its_lead(tenant, people):
    assert project_create(tenant=tenant, actor=people["platform"], name="Claims", code="CLM-1").delivery_lead is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "lower-case"}, "code"),
        ({"code": "X"}, "code"),
        ({"code": "1ABC"}, "code"),
        ({"code": "A" * 21}, "code"),
        ({"name": ""}, "name"),
        ({"workload_type": "poetry"}, "workload_type"),
        ({"hosting_approach": "cloud_nine"}, "hosting_approach"),
        ({"stage": "production"}, "stage"),
        # The profile's answers are named under the argument that carried them, as tickets are.
        ({"profile": {"favourite_colour": "blue"}}, "profile.favourite_colour"),
        ({"profile": {"monthly_requests": -1}}, "profile.monthly_requests"),
        ({"profile": {"peak_ratio": "0.5", "residency": "strict"}}, "profile.residency_region"),
    ],
    ids=str,
)
def test_create_refuses_bad_fields(tenant, people, fields, field):
    unchanged(
        lambda: project_create(tenant=tenant, actor=people["lead"], **{"name": "N", "code": "OK-1", **fields}),
        field=field,
    )


def test_codes_are_unique_within_a_tenant_only(tenant, people, project):
    error = unchanged(
        lambda: project_create(tenant=tenant, actor=people["lead"], name="Again", code=project.code), field="code"
    )
    assert error.message_dict["code"] == [f"This client has a project {project.code} already: choose another code."]
    other = TenantFactory(slug="other")
    again = project_create(tenant=other, actor=people["platform"], name="Same code elsewhere", code=project.code)
    assert (again.code, again.tenant) == (project.code, other)


@pytest.mark.parametrize("who", ["engineer", "approver", "viewer", "admin", "outsider"])
def test_who_may_not_create(tenant, people, who):
    unchanged(
        lambda: project_create(tenant=tenant, actor=people[who], name="N", code="NN-1"),
        exception=PermissionDenied,
    )


# --- project_update ---------------------------------------------------------------------------------


def test_update_records_only_what_changed(project, people):
    project_update(project=project, actor=people["lead"], name="Renamed", code=project.code)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor) == ("project.updated", people["lead"])
    assert (event.before, event.after) == ({"name": project.name}, {"name": "Renamed"})
    assert Project.objects.get(pk=project.pk).name == "Renamed"


def test_an_update_that_changes_nothing_writes_nothing(project, people):
    before = stored()
    project_update(project=project, actor=people["lead"], name=project.name, hosting_approach=project.hosting_approach)
    # Permission comes before anything else: a viewer is refused even a no-op.
    with pytest.raises(PermissionDenied):
        project_update(project=project, actor=people["viewer"], name=project.name)
    assert stored() == before


def test_engineers_change_only_technical_fields(project, people):
    project_update(project=project, actor=people["engineer"], hosting_approach="self_hosted_cloud")
    assert Project.objects.get(pk=project.pk).hosting_approach == "self_hosted_cloud"
    for fields in ({"name": "Mine now"}, {"code": "MINE-1"}, {"hosting_approach": "hybrid", "description": "x"}):
        unchanged(
            lambda fields=fields: project_update(project=project, actor=people["engineer"], **fields),
            exception=PermissionDenied,
        )


@pytest.mark.parametrize("who", ["viewer", "approver", "admin", "outsider"])
def test_who_may_not_update(project, people, who):
    for fields in ({"name": "Theirs"}, {"hosting_approach": "on_premises"}):
        unchanged(
            lambda fields=fields: project_update(project=project, actor=people[who], **fields),
            exception=PermissionDenied,
        )


@pytest.mark.parametrize("field", ["deployment_model", "stage", "stage_before_pause", "tenant", "colour"])
def test_update_refuses_fields_with_their_own_rules(project, people, field):
    unchanged(lambda: project_update(project=project, actor=people["lead"], **{field: "x"}), field=field)


def test_the_delivery_lead_must_be_one_who_may_lead_the_project(project, people):
    for someone in (people["outsider"], people["approver"], UserFactory()):
        unchanged(
            lambda someone=someone: project_update(project=project, actor=people["lead"], delivery_lead=someone),
            field="delivery_lead",
        )
    project_update(project=project, actor=people["lead"], delivery_lead=people["lead2"])
    project.refresh_from_db()
    assert project.delivery_lead == people["lead2"]


def test_update_validates_the_new_values(project, people):
    unchanged(lambda: project_update(project=project, actor=people["lead"], code="bad code"), field="code")
    twin = project_create(tenant=project.tenant, actor=people["lead"], name="Twin", code="TWIN-1")
    error = unchanged(lambda: project_update(project=twin, actor=people["lead"], code=project.code), field="code")
    assert error.message_dict["code"] == [f"This client has a project {project.code} already: choose another code."]


# --- Evidence and tickets ---------------------------------------------------------------------------


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
    evidence_remove(link=link, actor=people["lead"])
    ticket_unlink(ticket=ticket, actor=people["engineer"])
    assert actions() == ["evidence.added", "ticket.linked", "evidence.removed", "ticket.unlinked"]
    added, linked, removed, unlinked = AuditEvent.objects.order_by("pk")
    assert added.after == {
        "kind": "press",
        "title": "Launch article",
        "url": "https://example.org/launch",
        "reference": "",
    }
    assert (added.project_id, added.object_type) == (project.pk, "projects.evidencelink")
    assert linked.after == {"system": "jira", "key": "AI-42", "url": ""}
    assert removed.before["title"] == "Launch article"
    assert unlinked.before["key"] == "AI-42"
    assert not EvidenceLink.objects.exists()
    assert not TicketReference.objects.exists()


def test_evidence_and_tickets_are_validated(project, people):
    unchanged(
        lambda: evidence_add(project=project, actor=people["lead"], kind="press", title="x", url="not a url"),
        field="url",
    )
    unchanged(lambda: evidence_add(project=project, actor=people["lead"], kind="rumour", title="x"), field="kind")
    unchanged(lambda: evidence_add(project=project, actor=people["lead"], kind="press", title=""), field="title")
    unchanged(lambda: ticket_link(project=project, actor=people["lead"], system="trello", key="A-1"), field="system")
    ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    unchanged(lambda: ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42"))


@pytest.mark.parametrize("who", ["viewer", "approver", "admin", "outsider"])
def test_who_may_not_touch_evidence_or_tickets(project, people, who):
    link = evidence_add(project=project, actor=people["lead"], kind="press", title="Launch")
    ticket = ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    actor = people[who]
    for call in (
        lambda: evidence_add(project=project, actor=actor, kind="press", title="x"),
        lambda: evidence_remove(link=link, actor=actor),
        lambda: ticket_link(project=project, actor=actor, system="jira", key="AI-43"),
        lambda: ticket_unlink(ticket=ticket, actor=actor),
    ):
        unchanged(call, exception=PermissionDenied)


# --- Per-project grants -----------------------------------------------------------------------------


def test_project_grants_are_managed_by_customer_admins_and_audited(project, people):
    guest = UserFactory(username="guest")
    project_access_grant(project=project, user=guest, role=Role.ENGINEER, actor=people["admin"])
    assert can(guest, project, Action.CHANGE_TECHNICAL)
    assert not can(guest, project, Action.CHANGE)
    project_access_revoke(project=project, user=guest, actor=people["admin"])
    assert not can(guest, project, Action.VIEW)
    project_access_revoke(project=project, user=guest, actor=people["admin"])  # nothing left: no event
    assert actions() == ["access.project_granted", "access.project_revoked"]
    granted, revoked = AuditEvent.objects.order_by("pk")
    assert (granted.actor, granted.after, granted.project_id) == (
        people["admin"],
        {"user": "guest", "role": "engineer"},
        project.pk,
    )
    assert revoked.before == {"user": "guest", "role": "engineer"}


@pytest.mark.parametrize("who", ["lead", "engineer", "approver", "viewer", "outsider"])
def test_project_grants_need_the_manage_right(project, people, who):
    guest = UserFactory(username="guest")
    unchanged(
        lambda: project_access_grant(project=project, user=guest, role=Role.CUSTOMER_VIEWER, actor=people[who]),
        exception=PermissionDenied,
    )
    project_access_grant(project=project, user=guest, role=Role.CUSTOMER_VIEWER, actor=people["admin"])
    unchanged(lambda: project_access_revoke(project=project, user=guest, actor=people[who]), exception=PermissionDenied)
    assert can(guest, project, Action.VIEW)
