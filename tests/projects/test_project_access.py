"""Per-project access through the services and selectors: grants to a person or a group, who
reaches a project and why, and the rules (another client's person, the last customer admin,
the role, the right to manage)."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from audit.models import AuditEvent
from audit.sentences import describe
from projects.access_list import Reason, grantee_find, project_access_list
from projects.models import ProjectGroupObjectPermission, ProjectUserObjectPermission
from projects.services.access import NOT_GRANTABLE, project_access_grant, project_access_revoke
from tenancy.access import Action, can, restrict
from tenancy.models import Membership, Role
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member
from webhooks.models import WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def stored():
    return (
        sorted(ProjectUserObjectPermission.objects.values_list("user_id", "content_object_id", "permission__codename")),
        sorted(
            ProjectGroupObjectPermission.objects.values_list("group_id", "content_object_id", "permission__codename")
        ),
        AuditEvent.objects.count(),
        WebhookEvent.objects.count(),
    )


def unchanged(call, exception=ValidationError, field=None):
    before = stored()
    with pytest.raises(exception) as error:
        call()
    if field:
        assert field in error.value.message_dict, error.value
    assert stored() == before
    return error.value


@pytest.fixture
def hook(tenant):
    return WebhookEndpoint.objects.create(
        tenant=tenant, url="https://hooks.example.com/in", secret="s", event_types=["access.granted", "access.revoked"]
    )


def sent(event_type):
    return [
        json.loads(event.body)["data"] for event in WebhookEvent.objects.filter(event_type=event_type).order_by("pk")
    ]


def by_name(project):
    return {(holder.kind, holder.name): holder for holder in project_access_list(project=project)}


def test_an_outside_engineer_is_given_one_project_audited_and_announced(project, people, hook):
    ana = UserFactory(username="ana")  # belongs to no client, like the bench's bench-eng-* people
    project_access_grant(project=project, user=ana, role=Role.ENGINEER, actor=people["admin"])

    assert can(ana, project, Action.CHANGE_TECHNICAL)
    assert not can(ana, project, Action.CHANGE)
    assert list(restrict(type(project).objects.all(), user=ana)) == [project]
    event = AuditEvent.objects.get(action="access.project_granted")
    assert (event.before, event.after, event.project_id) == (None, {"user": "ana", "role": "engineer"}, project.pk)
    assert describe(event).endswith("gave ana the engineer role on this project.")
    assert sent("access.granted") == [
        {
            "project_id": project.pk,
            "project_code": "ACME-1",
            "tenant": "acme",
            "grantee_kind": "user",
            "grantee": "ana",
            "role": "engineer",
            "previous_role": None,
            "actor": "cadmin",
            "tickets": [],
        }
    ]
    holder = by_name(project)[("user", "ana")]
    assert (holder.reasons, holder.tenant_role, holder.project_role) == ([Reason.PROJECT_GRANT], None, Role.ENGINEER)
    assert holder.action_list == ["view", "change_technical"]


def test_granting_again_replaces_the_role_and_says_what_it_was(project, people, hook):
    ana = UserFactory(username="ana")
    project_access_grant(project=project, user=ana, role=Role.DELIVERY_LEAD, actor=people["platform"])
    project_access_grant(project=project, user=ana, role=Role.CUSTOMER_VIEWER, actor=people["platform"])
    project_access_grant(project=project, user=ana, role=Role.CUSTOMER_VIEWER, actor=people["platform"])  # no change

    assert can(ana, project, Action.VIEW)
    assert not can(ana, project, Action.PROMOTE)
    events = AuditEvent.objects.filter(action="access.project_granted").order_by("pk")
    assert [(e.before, e.after) for e in events] == [
        (None, {"user": "ana", "role": "delivery_lead"}),
        ({"user": "ana", "role": "delivery_lead"}, {"user": "ana", "role": "customer_viewer"}),
    ]
    assert describe(events[1]).endswith("gave ana the customer viewer role on this project (before: delivery lead).")
    assert [(data["role"], data["previous_role"]) for data in sent("access.granted")] == [
        ("delivery_lead", None),
        ("customer_viewer", "delivery_lead"),
    ]


def test_revoking_takes_the_project_away_audited_and_announced(project, people, hook):
    ana = UserFactory(username="ana")
    project_access_grant(project=project, user=ana, role=Role.ENGINEER, actor=people["admin"])
    assert project_access_revoke(project=project, user=ana, actor=people["admin"]) is True
    assert not can(ana, project, Action.VIEW)
    assert project_access_revoke(project=project, user=ana, actor=people["admin"]) is False  # nothing left

    event = AuditEvent.objects.get(action="access.project_revoked")
    assert event.before == {"user": "ana", "role": "engineer"}
    assert describe(event).endswith("took back ana's rights on this project (the engineer role).")
    assert [(data["grantee"], data["role"], data["previous_role"]) for data in sent("access.revoked")] == [
        ("ana", None, "engineer")
    ]
    assert ("user", "ana") not in by_name(project)


@pytest.mark.parametrize("actor", ["admin", "platform"])
def test_another_clients_person_is_refused_like_an_unknown_name(project, people, actor):
    with pytest.raises(Http404) as unknown:
        grantee_find(user="nobody-here")
    error = unchanged(
        lambda: project_access_grant(
            project=project, user=people["outsider"], role=Role.CUSTOMER_VIEWER, actor=people[actor]
        ),
        exception=Http404,
    )
    assert str(error) == str(unknown.value) == NOT_GRANTABLE
    assert not can(people["outsider"], project, Action.VIEW)


def test_someone_of_this_client_and_another_may_be_given_the_project(project, people):
    both = member(TenantFactory(slug="initech"), Role.CUSTOMER_VIEWER, username="both")
    Membership.objects.create(tenant=project.tenant, user=both, role=Role.CUSTOMER_VIEWER, all_projects=False)
    project_access_grant(project=project, user=both, role=Role.CUSTOMER_APPROVER, actor=people["admin"])
    assert can(both, project, Action.APPROVE)


def test_a_switched_off_account_is_refused_like_an_unknown_name(project, people):
    gone = UserFactory(username="gone", is_active=False)
    unchanged(
        lambda: project_access_grant(project=project, user=gone, role=Role.ENGINEER, actor=people["admin"]),
        exception=Http404,
    )


def test_a_group_is_given_the_project_and_its_members_reach_it(project, people, hook):
    reviewers = Group.objects.create(name="Risk reviewers")
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    reviewers.user_set.add(ana, bo)
    project_access_grant(project=project, group=reviewers, role=Role.CUSTOMER_APPROVER, actor=people["admin"])

    assert can(ana, project, Action.APPROVE)
    assert can(bo, project, Action.VIEW)
    holders = by_name(project)
    group = holders[("group", "Risk reviewers")]
    assert (group.project_role, group.members, group.action_list) == (Role.CUSTOMER_APPROVER, 2, ["view", "approve"])
    assert (holders[("user", "ana")].reasons, holders[("user", "ana")].groups) == (
        [Reason.GROUP_GRANT],
        ["Risk reviewers"],
    )
    assert "through the group Risk reviewers" in holders[("user", "ana")].why
    event = AuditEvent.objects.get(action="access.project_granted")
    assert event.after == {"group": "Risk reviewers", "role": "customer_approver"}
    assert describe(event).endswith("gave the group Risk reviewers the customer approver role on this project.")
    assert sent("access.granted")[0]["grantee_kind"] == "group"

    assert project_access_revoke(project=project, group=reviewers, actor=people["admin"])
    assert not can(ana, project, Action.VIEW)
    assert sent("access.revoked")[0]["grantee"] == "Risk reviewers"


def test_a_group_with_another_clients_person_is_refused_like_an_unknown_name(project, people):
    mixed = Group.objects.create(name="Mixed")
    mixed.user_set.add(UserFactory(), people["outsider"])
    unchanged(
        lambda: project_access_grant(project=project, group=mixed, role=Role.CUSTOMER_VIEWER, actor=people["admin"]),
        exception=Http404,
    )


@pytest.mark.parametrize(
    ("role", "rule"), [(Role.CUSTOMER_ADMIN, "role of the whole client"), ("superuser", "Choose one of")]
)
def test_the_role_must_be_a_per_project_role(project, people, role, rule):
    error = unchanged(
        lambda: project_access_grant(project=project, user=UserFactory(), role=role, actor=people["admin"]),
        field="role",
    )
    assert rule in error.message_dict["role"][0]


def test_a_grant_names_one_person_or_one_group(project, people):
    unchanged(
        lambda: project_access_grant(project=project, role=Role.ENGINEER, actor=people["admin"]),
        field="user",
    )


@pytest.mark.parametrize("who", ["lead", "engineer", "approver", "viewer"])
def test_only_who_manages_the_client_grants_and_revokes(project, people, who):
    ana = UserFactory()
    unchanged(
        lambda: project_access_grant(project=project, user=ana, role=Role.ENGINEER, actor=people[who]),
        exception=PermissionDenied,
    )
    project_access_grant(project=project, user=ana, role=Role.ENGINEER, actor=people["admin"])
    unchanged(lambda: project_access_revoke(project=project, user=ana, actor=people[who]), exception=PermissionDenied)


@pytest.fixture
def narrowed_admin():
    """A client whose only customer admin reaches single projects, granted one by one; nobody else approves."""
    client = TenantFactory(slug="soi")
    project = ProjectFactory(tenant=client, code="SOI-1")
    admin = member(client, Role.CUSTOMER_ADMIN, username="soi-admin")
    Membership.objects.filter(user=admin).update(all_projects=False)
    platform = UserFactory(username="ops", is_platform_admin=True)
    project_access_grant(project=project, user=admin, role=Role.CUSTOMER_APPROVER, actor=platform)
    return project, admin, platform


def test_the_last_customer_admins_right_to_approve_is_kept(narrowed_admin):
    project, admin, platform = narrowed_admin
    error = unchanged(lambda: project_access_revoke(project=project, user=admin, actor=platform), field="user")
    assert error.error_dict["user"][0].code == "last_customer_admin"
    assert "nobody could approve its rollouts" in error.message_dict["user"][0]
    # Narrowing it to viewing takes the right to approve away too: refused alike.
    unchanged(
        lambda: project_access_grant(project=project, user=admin, role=Role.CUSTOMER_VIEWER, actor=platform),
        field="user",
    )
    assert can(admin, project, Action.APPROVE)

    # Once someone else may approve the project, the admin's grant can go.
    approver = member(project.tenant, Role.CUSTOMER_APPROVER, username="soi-approver")
    assert project_access_revoke(project=project, user=admin, actor=platform)
    assert can(approver, project, Action.APPROVE)
    assert not can(admin, project, Action.VIEW)


def test_the_last_customer_admin_in_a_group_keeps_the_groups_grant(narrowed_admin):
    project, admin, platform = narrowed_admin
    admins = Group.objects.create(name="Soi admins")
    admins.user_set.add(admin)
    project_access_grant(project=project, group=admins, role=Role.CUSTOMER_APPROVER, actor=platform)
    project_access_revoke(project=project, user=admin, actor=platform)  # the group still gives it
    unchanged(lambda: project_access_revoke(project=project, group=admins, actor=platform), field="group")


def test_an_outside_approvers_grant_can_be_taken_back_even_if_the_last(narrowed_admin):
    """The rule keeps the client's own admins: anyone else's grant is theirs to lose."""
    project, admin, platform = narrowed_admin
    outside = UserFactory(username="auditor")
    project_access_grant(project=project, user=outside, role=Role.CUSTOMER_APPROVER, actor=platform)
    assert project_access_revoke(project=project, user=admin, actor=platform)
    assert project_access_revoke(project=project, user=outside, actor=platform)  # now nobody approves


def test_the_access_list_says_why_each_person_reaches_the_project(project, people):
    narrowed = people["approver2"]
    Membership.objects.filter(user=narrowed).update(all_projects=False)
    holders = by_name(project)
    assert ("user", "approver2") not in holders  # narrowed, not granted: no access
    assert ("user", "platform") not in holders
    assert ("user", "outsider") not in holders
    viewer = holders[("user", "viewer")]
    assert (viewer.reasons, viewer.tenant_role, viewer.all_projects) == (
        [Reason.TENANT_ROLE],
        Role.CUSTOMER_VIEWER,
        True,
    )
    assert viewer.why == "Customer viewer of the client, on all its projects"

    project_access_grant(project=project, user=narrowed, role=Role.CUSTOMER_APPROVER, actor=people["admin"])
    granted = by_name(project)[("user", "approver2")]
    assert (granted.reasons, granted.tenant_role, granted.all_projects, granted.project_role) == (
        [Reason.PROJECT_GRANT],
        Role.CUSTOMER_APPROVER,
        False,
        Role.CUSTOMER_APPROVER,
    )
    assert granted.why == (
        "Customer approver of the client, on granted projects only; given customer approver on this project"
    )


def test_the_access_list_takes_a_fixed_number_of_queries(project, people, django_assert_max_num_queries):
    group = Group.objects.create(name="Many")
    for _ in range(6):
        person = UserFactory()
        group.user_set.add(person)
        project_access_grant(project=project, user=UserFactory(), role=Role.ENGINEER, actor=people["admin"])
    project_access_grant(project=project, group=group, role=Role.CUSTOMER_VIEWER, actor=people["admin"])
    with django_assert_max_num_queries(5):
        holders = project_access_list(project=project)
    assert len(holders) == 7 + 6 + 6 + 1  # the client's seven members, six granted, six in the group, the group
