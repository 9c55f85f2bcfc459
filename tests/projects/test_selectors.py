"""Reads: fixed query counts whatever the number of rows, and only what the user may see."""

import pytest

from projects.models import Stage
from projects.selectors import approval_inbox, approval_inbox_count, project_list, stage_history
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.policies import policy_save
from projects.services.projects import project_access_grant
from projects.services.stages import project_pause
from tenancy.models import Role
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def list_rows(user, tenant=None):
    return [
        (project.code, project.stage, getattr(project, "environment", None), len(project.pending_requests))
        for project in project_list(user=user, tenant=tenant)
    ]


def test_project_list_with_stage_environment_and_pending_request_in_fixed_queries(
    tenant, people, django_assert_num_queries
):
    def populate(count):
        for _ in range(count):
            project = ProjectFactory(tenant=tenant, delivery_lead=people["lead"])
            approval_request_create(project=project, actor=people["lead"])

    populate(2)
    with django_assert_num_queries(2) as small:  # projects (+ tenant, lead, environment), pending requests
        rows = list_rows(people["viewer"], tenant=tenant)
    assert len(rows) == 2
    assert all(pending == 1 for *_, pending in rows)
    populate(20)
    with django_assert_num_queries(len(small.captured_queries)):
        rows = list_rows(people["viewer"], tenant=tenant)
    assert len(rows) == 22


def test_project_list_hides_other_tenants(tenant, people, project):
    assert [p.code for p in project_list(user=people["outsider"])] == []
    assert [p.code for p in project_list(user=people["viewer"])] == ["ACME-1"]


def test_stage_history_is_visible_only_with_the_project(project, people):
    project_pause(project=project, actor=people["lead"], reason="Waiting for data")
    assert [t.to_stage for t in stage_history(user=people["viewer"], project=project)] == [Stage.PAUSED]
    assert list(stage_history(user=people["outsider"], project=project)) == []


def test_approval_inbox_shows_what_the_person_may_still_decide(tenant, people, django_assert_num_queries):
    first = approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    second = approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=2)
    third = approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    approval_decide(request=third, actor=people["approver"], verdict="approve")

    with django_assert_num_queries(3):  # the person's roles and grants (two), the requests
        inbox = list(approval_inbox(user=people["approver"]))
    assert {r.pk for r in inbox} == {first.pk, second.pk}, "already decided on the third"
    assert {r.pk for r in approval_inbox(user=people["approver2"])} == {first.pk, second.pk, third.pk}
    assert list(approval_inbox(user=people["viewer"])) == []
    assert list(approval_inbox(user=people["engineer"])) == []
    assert list(approval_inbox(user=people["outsider"])) == []
    assert list(approval_inbox(user=people["lead"])) == [], "four-eyes and not an eligible role"
    for person in ("approver", "approver2", "viewer", "engineer", "outsider", "lead", "admin"):
        assert approval_inbox_count(user=people[person]) == len(list(approval_inbox(user=people[person]))), person


def test_approval_inbox_query_count_does_not_grow(tenant, people, django_assert_num_queries):
    for _ in range(3):
        approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    with django_assert_num_queries(3) as few:
        assert len(list(approval_inbox(user=people["approver"]))) == 3
    for _ in range(15):
        approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(list(approval_inbox(user=people["approver"]))) == 18
    with django_assert_num_queries(len(few.captured_queries)):
        assert approval_inbox_count(user=people["approver"]) == 18


def test_approval_inbox_for_someone_granted_one_project(tenant, people):
    guest = UserFactory(username="guest")
    granted, other = ProjectFactory(tenant=tenant), ProjectFactory(tenant=tenant)
    request = approval_request_create(project=granted, actor=people["lead"])
    approval_request_create(project=other, actor=people["lead"])
    assert list(approval_inbox(user=guest)) == []
    project_access_grant(project=granted, user=guest, role=Role.CUSTOMER_APPROVER)
    assert [r.pk for r in approval_inbox(user=guest)] == [request.pk]
    assert approval_inbox_count(user=guest) == 1
