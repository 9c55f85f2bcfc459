"""A person's reach read once per request (``Access``) answers exactly as the rules in SQL do.

Outside a request ``restrict`` and ``allowed_actions`` run the rules as subqueries; inside one
(``access_scope``, opened for every request by the middleware) they answer from the ids read
once. Both are compared here for every role, narrowed or not, every kind of grant (to the person,
through a group), an inactive person, a platform admin and people of another tenant, on every kind
of row: a tenant, a project, a row that follows its project, one that follows it in two steps,
and a tenant-wide row.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import BigIntegerField
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from core.compiled import CompiledQuery, Parameter
from projects.models import ApprovalDecision, ApprovalPolicy, ApprovalRequest, EvidenceLink, Project, Stage
from projects.services.access import project_access_grant
from tenancy.access import (
    Action,
    CompiledUnder,
    access_scope,
    allowed_actions,
    get_compiled_for_user_or_404,
    get_for_user_or_404,
    restrict,
    restrict_under,
    tenant_roles,
)
from tenancy.models import Membership, Role, Tenant
from tenancy.services import membership_grant, membership_revoke
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db

PROJECT_CODENAMES = ["view_project", "change_project", "change_technical_project", "promote_project", "approve_project"]


@pytest.fixture
def world():
    """Two tenants, two projects each, a request with a decision on every project, a link of
    evidence on every project, a policy per tenant, and people holding every kind of right."""
    acme, globex = TenantFactory(slug="acme"), TenantFactory(slug="globex")
    projects = [ProjectFactory(tenant=tenant) for tenant in (acme, acme, globex, globex)]
    requester = UserFactory()
    for project in projects:
        request = ApprovalRequest.objects.create(
            tenant=project.tenant,
            project=project,
            from_stage=Stage.DISCOVERY,
            target_stage=Stage.PILOT,
            requested_by=requester,
            status=ApprovalRequest.Status.REJECTED,  # decided: the pages need no policy for it
            expires_at=timezone.now() + timedelta(days=3),
        )
        ApprovalDecision.objects.create(
            tenant=project.tenant,
            request=request,
            approver=requester,
            verdict=ApprovalDecision.Verdict.values[0],
            side=ApprovalDecision.Side.values[0],
        )
        EvidenceLink.objects.create(
            tenant=project.tenant, project=project, kind=EvidenceLink.Kind.DOCUMENT, title="Design"
        )
    for tenant in (acme, globex):
        ApprovalPolicy.objects.create(tenant=tenant)

    people = {}
    for role in Role:
        people[f"{role}"] = member(acme, role)
        narrowed = UserFactory()
        Membership.objects.create(tenant=acme, user=narrowed, role=role, all_projects=False)
        people[f"{role} narrowed"] = narrowed
        if role != Role.CUSTOMER_ADMIN:
            # A narrowed role with a per-project grant of that role on one project.
            project_access_grant(project=projects[0], user=narrowed, role=role)
    for codename in PROJECT_CODENAMES:
        person = UserFactory()
        assign_perm(f"projects.{codename}", person, projects[1])
        people[f"granted {codename}"] = person
        in_group, group = UserFactory(), Group.objects.create(name=codename)
        in_group.groups.add(group)
        assign_perm(f"projects.{codename}", group, projects[2])
        people[f"group {codename}"] = in_group
    people["lead with a grant elsewhere"] = member(acme, Role.DELIVERY_LEAD)
    project_access_grant(project=projects[3], user=people["lead with a grant elsewhere"], role=Role.CUSTOMER_VIEWER)
    people["inactive lead"] = member(acme, Role.DELIVERY_LEAD, is_active=False)
    people["inactive with a grant"] = UserFactory(is_active=False)
    assign_perm("projects.view_project", people["inactive with a grant"], projects[0])
    people["other tenant's admin"] = member(globex, Role.CUSTOMER_ADMIN)
    people["nobody's member"] = UserFactory()
    people["platform admin"] = UserFactory(is_platform_admin=True)
    return {"tenants": [acme, globex], "projects": projects, "people": people}


ROWS = [Tenant, Project, ApprovalRequest, EvidenceLink, ApprovalDecision, ApprovalPolicy, Membership]


def reach(user, model, action) -> set:
    return set(restrict(model.objects.all(), user=user, action=action).values_list("pk", flat=True))


def every_answer(world) -> dict:
    answers = {}
    for name, user in world["people"].items():
        for model in ROWS:
            for action in Action:
                answers[name, model.__name__, action, "restrict"] = reach(user, model, action)
            for obj in model.objects.order_by("pk"):
                answers[name, model.__name__, obj.pk, "allowed_actions"] = allowed_actions(user, obj)
        answers[name, "roles"] = tenant_roles(user)
    return answers


def test_the_access_read_once_answers_as_the_rules_in_sql(world):
    in_sql = every_answer(world)
    with access_scope():
        read_once = every_answer(world)
    assert read_once == in_sql
    # The comparison is not between two empty answers.
    assert in_sql["granted approve_project", "Project", Action.APPROVE, "restrict"] == {world["projects"][1].pk}
    assert in_sql["group promote_project", "ApprovalRequest", Action.PROMOTE, "restrict"] == {
        world["projects"][2].approval_requests.get().pk
    }
    assert in_sql["lead with a grant elsewhere", "Tenant", Action.VIEW, "restrict"] == {
        tenant.pk for tenant in world["tenants"]
    }
    assert in_sql["inactive lead", "Project", Action.VIEW, "restrict"] == set()


#: Rows that follow a project's rights, and the path from each to its project.
UNDER_A_PROJECT = {ApprovalRequest: "project", EvidenceLink: "project", ApprovalDecision: "request__project"}


def answers_under_projects(world, rows) -> dict:
    """For every person, project, kind of row under it and action: the rows ``rows`` gives."""
    return {
        (name, project.pk, model.__name__, action): rows(model, project, user, action)
        for name, user in world["people"].items()
        for project in world["projects"]
        for model in UNDER_A_PROJECT
        for action in Action
    }


def test_rows_under_a_project_are_those_restrict_gives(world):
    """``restrict_under`` (the right read once for the project) answers as ``restrict`` does on the
    project's rows (the condition on every row), in a request and outside one."""

    def by_rule(model, project, user, action):
        of_project = model.objects.filter(**{UNDER_A_PROJECT[model]: project})
        return set(restrict(of_project, user=user, action=action).values_list("pk", flat=True))

    def under(model, project, user, action):
        return set(
            restrict_under(model.objects.all(), user=user, parent=project, action=action).values_list("pk", flat=True)
        )

    expected = answers_under_projects(world, by_rule)
    assert answers_under_projects(world, under) == expected
    with access_scope():
        assert answers_under_projects(world, under) == expected
    # Not a comparison of empty answers: each project's rows, to those who may, and only to them.
    first, second = world["projects"][:2]
    decision = ApprovalDecision.objects.get(request__project=second)
    assert expected["granted approve_project", second.pk, "ApprovalDecision", Action.APPROVE] == {decision.pk}
    assert expected["granted approve_project", first.pk, "ApprovalDecision", Action.APPROVE] == set()
    assert expected[f"{Role.DELIVERY_LEAD}", first.pk, "EvidenceLink", Action.VIEW] == {first.evidence_links.get().pk}
    assert expected["inactive with a grant", first.pk, "EvidenceLink", Action.VIEW] == set()


#: Each kind of row under a project read as the pages read them: compiled once (``CompiledUnder``).
COMPILED_UNDER = {model: CompiledUnder(lambda model=model: model.objects.order_by("pk")) for model in UNDER_A_PROJECT}


def test_compiled_rows_under_a_project_are_those_restrict_gives(world):
    """A page's compiled read of a project's rows answers as ``restrict`` on them, for every person
    and action, in a request and outside one, with and without a limit."""

    def by_rule(model, project, user, action):
        of_project = model.objects.filter(**{UNDER_A_PROJECT[model]: project})
        return set(restrict(of_project, user=user, action=action).values_list("pk", flat=True))

    def compiled(model, project, user, action):
        rows = COMPILED_UNDER[model].rows(user=user, parent=project, action=action)
        assert all(type(row) is model for row in rows)
        return {row.pk for row in rows}

    def first(model, project, user, action):
        return {row.pk for row in COMPILED_UNDER[model].rows(user=user, parent=project, action=action, limit=1)}

    expected = answers_under_projects(world, by_rule)
    assert answers_under_projects(world, compiled) == expected
    with access_scope():
        assert answers_under_projects(world, compiled) == expected
    assert answers_under_projects(world, first) == {key: set(sorted(rows)[:1]) for key, rows in expected.items()}
    second = world["projects"][1]
    decision = ApprovalDecision.objects.get(request__project=second)
    assert expected["granted approve_project", second.pk, "ApprovalDecision", Action.APPROVE] == {decision.pk}


def outcomes_of_fetching(world) -> dict:
    """What ``get_for_user_or_404`` answers each person for each tenant and project (and a project
    that does not exist) and action: the object, a 404 or a 403."""
    outcomes = {}
    missing = Project.objects.order_by("-pk").first().pk + 1
    for name, user in world["people"].items():
        for model, pk in [(Tenant, t.pk) for t in world["tenants"]] + [
            (Project, pk) for pk in [*(p.pk for p in world["projects"]), missing]
        ]:
            for action in Action:
                try:
                    found = get_for_user_or_404(model.objects.all(), user=user, action=action, pk=pk)
                except Http404 as refusal:
                    outcome = ("404", str(refusal))
                except PermissionDenied:
                    outcome = "403"
                else:
                    outcome = found.pk
                outcomes[name, model.__name__, pk, action] = outcome
    return outcomes


def test_fetching_one_object_answers_the_same_in_a_request_and_outside_one(world):
    outside = outcomes_of_fetching(world)
    with access_scope():
        assert outcomes_of_fetching(world) == outside
    project, other = world["projects"][0], world["projects"][2]
    lead = f"{Role.DELIVERY_LEAD}"
    assert outside[lead, "Project", project.pk, Action.PROMOTE] == project.pk
    assert outside[lead, "Project", project.pk, Action.APPROVE] == "403"
    # Another tenant's project and one that does not exist: the same answer.
    refused = outside[lead, "Project", other.pk, Action.VIEW]
    assert refused == ("404", "No project matches the given query.")
    missing = Project.objects.order_by("-pk").first().pk + 1
    assert outside[lead, "Project", missing, Action.VIEW] == refused
    assert outside["inactive lead", "Project", project.pk, Action.VIEW] == refused


_PROJECT_BY_PK = CompiledQuery(lambda: Project.objects.filter(pk=Parameter("pk", BigIntegerField())))


def test_fetching_by_a_compiled_query_answers_as_the_orm_fetch(world):
    """``get_compiled_for_user_or_404`` (the project page's fetch): the object, 404 or 403 exactly
    as ``get_for_user_or_404``, for every person, project (one that does not exist too) and action."""

    def outcomes(fetch) -> dict:
        found = {}
        missing = Project.objects.order_by("-pk").first().pk + 1
        for name, user in world["people"].items():
            for pk in [*(p.pk for p in world["projects"]), missing]:
                for action in Action:
                    try:
                        outcome = fetch(user, action, pk).pk
                    except Http404 as refusal:
                        outcome = ("404", str(refusal))
                    except PermissionDenied:
                        outcome = "403"
                    found[name, pk, action] = outcome
        return found

    by_orm = outcomes(
        lambda user, action, pk: get_for_user_or_404(Project.objects.all(), user=user, action=action, pk=pk)
    )
    compiled = outcomes(
        lambda user, action, pk: get_compiled_for_user_or_404(_PROJECT_BY_PK, user=user, action=action, pk=pk)
    )
    assert compiled == by_orm
    with access_scope():
        assert (
            outcomes(
                lambda user, action, pk: get_compiled_for_user_or_404(_PROJECT_BY_PK, user=user, action=action, pk=pk)
            )
            == by_orm
        )
    project = world["projects"][0]
    assert by_orm[f"{Role.DELIVERY_LEAD}", project.pk, Action.PROMOTE] == project.pk
    assert by_orm[f"{Role.DELIVERY_LEAD}", project.pk, Action.APPROVE] == "403"
    assert by_orm["nobody's member", project.pk, Action.VIEW] == ("404", "No project matches the given query.")


def test_rows_under_an_object_are_asked_of_the_object_their_rights_follow(world):
    project = world["projects"][0]
    request = project.approval_requests.get()
    user = world["people"]["platform admin"]
    with pytest.raises(TypeError):
        restrict_under(ApprovalDecision.objects.all(), user=user, parent=request)  # its rights follow the project
    with pytest.raises(TypeError):
        restrict_under(Project.objects.all(), user=user, parent=project)
    with pytest.raises(TypeError):
        restrict_under(Membership.objects.all(), user=user, parent=project.tenant)
    with pytest.raises(TypeError):
        CompiledUnder(lambda: ApprovalDecision.objects.all()).rows(user=user, parent=request)


def test_within_a_request_reach_is_read_once(world, django_assert_num_queries):
    lead = world["people"][f"{Role.DELIVERY_LEAD}"]
    project, other = world["projects"][0], world["projects"][2]
    with access_scope():
        with django_assert_num_queries(2):  # memberships; grants to the person and their groups
            assert allowed_actions(lead, project) == {
                Action.VIEW,
                Action.CHANGE,
                Action.CHANGE_TECHNICAL,
                Action.PROMOTE,
            }
        with django_assert_num_queries(0):
            assert allowed_actions(lead, other) == frozenset()
            assert allowed_actions(lead, world["tenants"][0]) == allowed_actions(lead, project)
            assert tenant_roles(lead) == {project.tenant_id: Role.DELIVERY_LEAD}
        with django_assert_num_queries(1):
            assert reach(lead, Project, Action.VIEW) == {p.pk for p in world["projects"][:2]}


def test_a_change_of_rights_within_the_request_is_seen_at_once(world):
    user, project = UserFactory(), world["projects"][0]
    tenant = project.tenant
    group = Group.objects.create(name="reviewers")
    with access_scope():
        assert allowed_actions(user, project) == frozenset()
        membership_grant(tenant=tenant, user=user, role=Role.CUSTOMER_VIEWER)
        assert allowed_actions(user, project) == {Action.VIEW}
        membership_revoke(tenant=tenant, user=user)
        assert allowed_actions(user, project) == frozenset()
        assign_perm("projects.approve_project", user, project)
        assert allowed_actions(user, project) == {Action.APPROVE}
        remove_perm("projects.approve_project", user, project)
        assign_perm("projects.promote_project", group, project)
        assert allowed_actions(user, project) == frozenset()
        user.groups.add(group)
        assert allowed_actions(user, project) == {Action.PROMOTE}
        user.groups.remove(group)
        assert allowed_actions(user, project) == frozenset()


def test_each_request_reads_reach_afresh(client, world):
    """Kept for one request only: a membership granted between two requests shows on the second."""
    user, project = UserFactory(), world["projects"][0]
    client.force_login(user)
    page = reverse("project-detail", args=[project.pk])
    assert client.get(page).status_code == 404
    membership_grant(tenant=project.tenant, user=user, role=Role.CUSTOMER_VIEWER)
    assert client.get(page).status_code == 200
    membership_revoke(tenant=project.tenant, user=user)
    assert client.get(page).status_code == 404


def test_the_project_page_runs_as_many_queries_whatever_the_clients_and_grants(client, world):
    lead, project = world["people"][f"{Role.DELIVERY_LEAD}"], world["projects"][0]
    client.force_login(lead)
    url = reverse("project-detail", args=[project.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(5):
        membership_grant(tenant=TenantFactory(), user=lead, role=Role.DELIVERY_LEAD)
        project_access_grant(project=ProjectFactory(tenant=TenantFactory()), user=lead, role=Role.CUSTOMER_VIEWER)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
