"""The permission service: every role, per-project grants and revocations, one query each."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm

from accounts.models import User
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission
from projects.services.projects import project_access_grant, project_access_revoke
from tenancy.access import Action, allowed_actions, can, get_for_user_or_404, holders, restrict
from tenancy.models import Membership, Role, Tenant
from tenancy.services import membership_grant, membership_revoke, service_account_create
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db

ALL_ACTIONS = set(Action)
PROJECT_ACTIONS = {Action.VIEW, Action.CHANGE, Action.CHANGE_TECHNICAL, Action.PROMOTE, Action.APPROVE}


@pytest.fixture
def portfolio():
    """Two tenants with two projects each."""
    acme, globex = TenantFactory(slug="acme"), TenantFactory(slug="globex")
    return {
        "acme": acme,
        "globex": globex,
        "a1": ProjectFactory(tenant=acme, code="A-1"),
        "a2": ProjectFactory(tenant=acme, code="A-2"),
        "g1": ProjectFactory(tenant=globex, code="G-1"),
        "g2": ProjectFactory(tenant=globex, code="G-2"),
    }


def visible_codes(user, action, django_assert_num_queries):
    with django_assert_num_queries(1):
        return set(restrict(Project.objects.all(), user=user, action=action).values_list("code", flat=True))


# role -> actions the role allows on every project of its tenant
EXPECTED = {
    Role.DELIVERY_LEAD: {Action.VIEW, Action.CHANGE, Action.CHANGE_TECHNICAL, Action.PROMOTE},
    Role.ENGINEER: {Action.VIEW, Action.CHANGE_TECHNICAL},
    Role.CUSTOMER_ADMIN: {Action.VIEW, Action.APPROVE},
    Role.CUSTOMER_APPROVER: {Action.VIEW, Action.APPROVE},
    Role.CUSTOMER_VIEWER: {Action.VIEW},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", sorted(PROJECT_ACTIONS))
def test_tenant_role_reaches_exactly_its_tenants_projects_for_its_actions(
    portfolio, role, action, django_assert_num_queries
):
    user = member(portfolio["acme"], role)
    expected = {"A-1", "A-2"} if action in EXPECTED[role] else set()
    assert visible_codes(user, action, django_assert_num_queries) == expected


@pytest.mark.parametrize("action", sorted(PROJECT_ACTIONS))
def test_platform_admin_reaches_every_project(portfolio, action, django_assert_num_queries):
    admin = UserFactory(is_platform_admin=True)
    assert visible_codes(admin, action, django_assert_num_queries) == {"A-1", "A-2", "G-1", "G-2"}


def test_superuser_created_by_manager_is_platform_admin(portfolio):
    root = User.objects.create_superuser("root", "r@x.io", "pw")
    assert root.is_platform_admin
    assert restrict(Project.objects.all(), user=root, action=Action.APPROVE).count() == 4


def test_user_without_role_sees_nothing(portfolio, django_assert_num_queries):
    loner = UserFactory()
    for action in PROJECT_ACTIONS:
        assert visible_codes(loner, action, django_assert_num_queries) == set()
    assert not restrict(Tenant.objects.all(), user=loner).exists()


def test_inactive_and_anonymous_users_see_nothing(portfolio):
    from django.contrib.auth.models import AnonymousUser

    gone = member(portfolio["acme"], Role.CUSTOMER_ADMIN, is_active=False)
    assert not restrict(Project.objects.all(), user=gone).exists()
    assert not restrict(Project.objects.all(), user=AnonymousUser()).exists()
    assert allowed_actions(AnonymousUser(), portfolio["a1"]) == frozenset()


def test_lead_assigned_to_two_tenants_only(portfolio, django_assert_num_queries):
    third = TenantFactory(slug="initech")
    ProjectFactory(tenant=third, code="I-1")
    lead = member(portfolio["acme"], Role.DELIVERY_LEAD)
    membership_grant(tenant=portfolio["globex"], user=lead, role=Role.DELIVERY_LEAD)
    assert visible_codes(lead, Action.PROMOTE, django_assert_num_queries) == {"A-1", "A-2", "G-1", "G-2"}
    assert set(restrict(Tenant.objects.all(), user=lead).values_list("slug", flat=True)) == {"acme", "globex"}


def test_project_grant_widens_reach_to_one_project_of_another_tenant(portfolio, django_assert_num_queries):
    approver = member(portfolio["acme"], Role.CUSTOMER_APPROVER)
    lead = UserFactory()
    project_access_grant(project=portfolio["g1"], user=lead, role=Role.DELIVERY_LEAD)
    project_access_grant(project=portfolio["g2"], user=approver, role=Role.CUSTOMER_VIEWER)

    assert visible_codes(lead, Action.VIEW, django_assert_num_queries) == {"G-1"}
    assert visible_codes(lead, Action.PROMOTE, django_assert_num_queries) == {"G-1"}
    assert visible_codes(lead, Action.APPROVE, django_assert_num_queries) == set()
    assert visible_codes(approver, Action.VIEW, django_assert_num_queries) == {"A-1", "A-2", "G-2"}
    assert visible_codes(approver, Action.APPROVE, django_assert_num_queries) == {"A-1", "A-2"}
    # A grant on one project makes its tenant visible, but no tenant-wide right comes with it.
    assert set(restrict(Tenant.objects.all(), user=lead).values_list("slug", flat=True)) == {"globex"}
    assert not restrict(Tenant.objects.all(), user=lead, action=Action.MANAGE).exists()


def test_narrowed_membership_reaches_only_granted_projects(portfolio, django_assert_num_queries):
    approver = member(portfolio["acme"], Role.CUSTOMER_APPROVER)
    Membership.objects.filter(user=approver).update(all_projects=False)
    assert visible_codes(approver, Action.VIEW, django_assert_num_queries) == set()

    project_access_grant(project=portfolio["a2"], user=approver, role=Role.CUSTOMER_APPROVER)
    assert visible_codes(approver, Action.VIEW, django_assert_num_queries) == {"A-2"}
    assert visible_codes(approver, Action.APPROVE, django_assert_num_queries) == {"A-2"}
    # The tenant itself stays visible to a narrowed member.
    assert restrict(Tenant.objects.filter(slug="acme"), user=approver).exists()


def test_project_grant_can_narrow_the_actions_on_one_project(portfolio, django_assert_num_queries):
    engineer = member(portfolio["acme"], Role.ENGINEER)
    Membership.objects.filter(user=engineer).update(all_projects=False)
    project_access_grant(project=portfolio["a1"], user=engineer, role=Role.ENGINEER)
    project_access_grant(project=portfolio["a2"], user=engineer, role=Role.CUSTOMER_VIEWER)
    assert visible_codes(engineer, Action.VIEW, django_assert_num_queries) == {"A-1", "A-2"}
    assert visible_codes(engineer, Action.CHANGE_TECHNICAL, django_assert_num_queries) == {"A-1"}
    assert visible_codes(engineer, Action.CHANGE, django_assert_num_queries) == set()


def test_revoking_a_project_grant_takes_the_project_away(portfolio, django_assert_num_queries):
    outsider = UserFactory()
    project_access_grant(project=portfolio["a1"], user=outsider, role=Role.CUSTOMER_APPROVER)
    assert visible_codes(outsider, Action.APPROVE, django_assert_num_queries) == {"A-1"}
    project_access_revoke(project=portfolio["a1"], user=outsider)
    assert visible_codes(outsider, Action.VIEW, django_assert_num_queries) == set()
    assert not restrict(Tenant.objects.all(), user=outsider).exists()


def test_regranting_replaces_the_previous_project_role(portfolio, django_assert_num_queries):
    outsider = UserFactory()
    project_access_grant(project=portfolio["a1"], user=outsider, role=Role.DELIVERY_LEAD)
    project_access_grant(project=portfolio["a1"], user=outsider, role=Role.CUSTOMER_VIEWER)
    assert visible_codes(outsider, Action.VIEW, django_assert_num_queries) == {"A-1"}
    assert visible_codes(outsider, Action.CHANGE, django_assert_num_queries) == set()


def test_revoking_a_membership_takes_the_tenant_away(portfolio, django_assert_num_queries):
    viewer = member(portfolio["acme"], Role.CUSTOMER_VIEWER)
    membership_revoke(tenant=portfolio["acme"], user=viewer)
    assert visible_codes(viewer, Action.VIEW, django_assert_num_queries) == set()


def test_group_object_grant_counts(portfolio, django_assert_num_queries):
    reviewers = Group.objects.create(name="reviewers")
    user = UserFactory()
    user.groups.add(reviewers)
    assign_perm("projects.approve_project", reviewers, portfolio["g2"])
    assign_perm("projects.view_project", reviewers, portfolio["g2"])
    assert visible_codes(user, Action.APPROVE, django_assert_num_queries) == {"G-2"}
    assert ProjectGroupObjectPermission.objects.count() == 2


def test_grants_use_guardians_direct_foreign_key_tables(portfolio):
    user = UserFactory()
    project_access_grant(project=portfolio["a1"], user=user, role=Role.DELIVERY_LEAD)
    assert ProjectUserObjectPermission.objects.filter(user=user, content_object=portfolio["a1"]).count() == 4
    assert UserObjectPermission.objects.count() == 0


def test_service_account_acts_with_the_role_it_was_given(portfolio, django_assert_num_queries):
    bot = service_account_create(tenant=portfolio["globex"], username="jira-bot", role=Role.CUSTOMER_APPROVER)
    assert bot.is_service_account
    assert not bot.has_usable_password()
    assert visible_codes(bot, Action.APPROVE, django_assert_num_queries) == {"G-1", "G-2"}
    assert visible_codes(bot, Action.CHANGE, django_assert_num_queries) == set()


@pytest.mark.parametrize(
    ("role", "manages"),
    [
        (Role.CUSTOMER_ADMIN, True),
        (Role.CUSTOMER_APPROVER, False),
        (Role.CUSTOMER_VIEWER, False),
        (Role.DELIVERY_LEAD, False),
        (Role.ENGINEER, False),
    ],
)
def test_only_customer_admins_manage_their_tenant(portfolio, role, manages):
    user = member(portfolio["acme"], role)
    managed = set(restrict(Tenant.objects.all(), user=user, action=Action.MANAGE).values_list("slug", flat=True))
    assert managed == ({"acme"} if manages else set())
    assert set(restrict(Tenant.objects.all(), user=user).values_list("slug", flat=True)) == {"acme"}


def test_allowed_actions_answers_every_action_in_one_query(portfolio, django_assert_num_queries):
    lead = member(portfolio["acme"], Role.DELIVERY_LEAD)
    with django_assert_num_queries(1):
        assert allowed_actions(lead, portfolio["a1"]) == {
            Action.VIEW,
            Action.CHANGE,
            Action.CHANGE_TECHNICAL,
            Action.PROMOTE,
        }
    with django_assert_num_queries(1):
        assert allowed_actions(lead, portfolio["g1"]) == frozenset()
    with django_assert_num_queries(1):
        assert allowed_actions(lead, portfolio["acme"]) == {
            Action.VIEW,
            Action.CHANGE,
            Action.CHANGE_TECHNICAL,
            Action.PROMOTE,
        }
    admin = UserFactory(is_platform_admin=True)
    with django_assert_num_queries(0):
        assert allowed_actions(admin, portfolio["g1"]) == ALL_ACTIONS
    assert can(lead, portfolio["a1"], Action.PROMOTE)
    assert not can(lead, portfolio["a1"], Action.APPROVE)


def test_another_tenants_object_is_404_and_a_forbidden_action_403(portfolio):
    viewer = member(portfolio["acme"], Role.CUSTOMER_VIEWER)
    with pytest.raises(Http404):
        get_for_user_or_404(Project.objects.all(), user=viewer, pk=portfolio["g1"].pk)
    with pytest.raises(Http404):
        get_for_user_or_404(Project.objects.all(), user=viewer, action=Action.CHANGE, pk=portfolio["g1"].pk)
    with pytest.raises(PermissionDenied):
        get_for_user_or_404(Project.objects.all(), user=viewer, action=Action.CHANGE, pk=portfolio["a1"].pk)
    assert get_for_user_or_404(Project.objects.all(), user=viewer, pk=portfolio["a1"].pk) == portfolio["a1"]


def test_restrict_is_one_query_however_many_projects(portfolio, django_assert_num_queries):
    approver = member(portfolio["acme"], Role.CUSTOMER_APPROVER)
    ProjectFactory.create_batch(25, tenant=portfolio["acme"])
    for project in Project.objects.filter(tenant=portfolio["globex"]):
        project_access_grant(project=project, user=approver, role=Role.CUSTOMER_VIEWER)
    with django_assert_num_queries(1):
        assert len(list(restrict(Project.objects.all(), user=approver, action=Action.VIEW))) == 29


@pytest.mark.parametrize("action", list(Action))
def test_holders_are_exactly_the_users_restrict_lets_act(action, django_assert_num_queries):
    tenant, other = TenantFactory(), TenantFactory()
    project = ProjectFactory(tenant=tenant)
    people = [member(tenant, role) for role in Role]
    narrowed = UserFactory()
    Membership.objects.create(tenant=tenant, user=narrowed, role=Role.DELIVERY_LEAD, all_projects=False)
    granted, through_group = UserFactory(), UserFactory()
    project_access_grant(project=project, user=granted, role=Role.ENGINEER)
    group = Group.objects.create(name="Reviewers")
    through_group.groups.add(group)
    assign_perm(f"projects.{Action.VIEW}_project", group, project)
    switched_off = member(tenant, Role.DELIVERY_LEAD, is_active=False)
    outsiders = [member(other, Role.DELIVERY_LEAD), UserFactory(is_platform_admin=True)]
    everyone = [*people, narrowed, granted, through_group, switched_off, *outsiders]

    with django_assert_num_queries(1):
        found = set(holders(project, action))
    expected = {
        user for user in everyone if user.is_active and not user.is_platform_admin and can(user, project, action)
    }
    assert found == expected
    assert narrowed not in found  # narrowed to granted projects, and none granted here


def test_restricts_nothing_only_for_an_active_platform_admin_and_then_restrict_answers_the_queryset(portfolio):
    from django.contrib.auth.models import AnonymousUser

    from tenancy.access import restricts_nothing

    admin = UserFactory(is_platform_admin=True)
    queryset = Project.objects.all()
    assert restricts_nothing(admin)
    for action in Action:
        assert restrict(queryset, user=admin, action=action) is queryset
    member_ = member(portfolio["acme"], Role.CUSTOMER_ADMIN)
    disabled = UserFactory(is_platform_admin=True, is_active=False)
    for user in (member_, disabled, AnonymousUser(), None):
        assert not restricts_nothing(user)
