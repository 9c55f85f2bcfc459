"""The inbox's SQL rule (``selectors.waiting_for``) and the decision's Python rule
(``approval_rules.refusal``, asked person by person by ``selectors.approval_deciders``, whom the
notifications go to) give the same answer for every person, request and policy.

The inbox counts and pages the requests waiting for someone in the database; the decision service
asks ``refusal`` of one request. Hypothesis draws policies (named people, eligible roles, four-eyes),
requesters and earlier decisions over one small world holding every kind of person: each role of
the tenant, a narrowed membership, platform admins with and without a role, people granted one
project as approver or as lead, a member whose grant does not count, and an outsider.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.approval_rules import PLATFORM_ADMIN
from projects.models import ApprovalDecision, ApprovalRequest, Stage
from projects.selectors import approval_deciders, approval_inbox, approval_inbox_count, may_decide, waiting_for
from projects.services.access import project_access_grant
from tenancy.access import access_scope
from tenancy.models import Role
from tests.factories import MembershipFactory, ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db

ROLES = [role.value for role in Role] + [PLATFORM_ADMIN]


@pytest.fixture
def world(tenant, people):
    projects = [ProjectFactory(tenant=tenant, code=f"ACME-{n}") for n in range(6)]
    narrowed = UserFactory(username="narrowed")
    MembershipFactory(tenant=tenant, user=narrowed, role=Role.CUSTOMER_APPROVER, all_projects=False)
    project_access_grant(project=projects[0], user=narrowed, role=Role.CUSTOMER_VIEWER)
    guest_approver, guest_lead = UserFactory(username="guest-approver"), UserFactory(username="guest-lead")
    project_access_grant(project=projects[0], user=guest_approver, role=Role.CUSTOMER_APPROVER)
    project_access_grant(project=projects[1], user=guest_lead, role=Role.DELIVERY_LEAD)
    # A viewer of the tenant granted approval on one project: the role in the tenant decides who they are.
    project_access_grant(project=projects[2], user=people["viewer"], role=Role.CUSTOMER_APPROVER)
    member_admin = member(tenant, Role.CUSTOMER_APPROVER, username="member-admin", is_platform_admin=True)
    everyone = [*people.values(), narrowed, guest_approver, guest_lead, member_admin]
    TenantFactory(slug="initech")
    return projects, everyone


def deciders_by_request(requests) -> dict[int, set[int]]:
    """Who may still decide each pending request, by ``approval_deciders``: the decision's own rule
    (``approval_rules.refusal``) asked person by person, the list the notifications go to."""
    return {
        request.pk: {person.pk for person in approval_deciders(request)}
        for request in requests
        if request.status == ApprovalRequest.Status.PENDING
    }


request_specs = st.lists(
    st.fixed_dictionaries(
        {
            "requester": st.integers(0, 100),
            "pending": st.booleans(),
            "roles": st.lists(st.sampled_from(ROLES), unique=True, max_size=3),
            "named": st.lists(st.integers(0, 100), unique=True, max_size=3),
            "requester_may_approve": st.booleans(),
            "decided_by": st.lists(st.integers(0, 100), unique=True, max_size=3),
        }
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=request_specs, order=st.permutations(range(6)), in_request=st.booleans())
def test_the_inbox_and_the_decision_agree(world, specs, order, in_request):
    projects, everyone = world

    def person(index):
        return everyone[index % len(everyone)]

    with transaction.atomic():
        requests = []
        # One pending request per project at most: each request on a project of its own.
        for spec, index in zip(specs, order, strict=False):
            project = projects[index]
            request = ApprovalRequest.objects.create(
                tenant=project.tenant,
                project=project,
                from_stage=Stage.DISCOVERY,
                target_stage=Stage.PROOF_OF_CONCEPT,
                status=ApprovalRequest.Status.PENDING if spec["pending"] else ApprovalRequest.Status.CANCELLED,
                requested_by=person(spec["requester"]),
                expires_at=timezone.now() + datetime.timedelta(hours=72),
                policy={
                    "source": "drawn",
                    "required_approvals": 2,
                    "eligible_roles": spec["roles"],
                    "eligible_user_ids": sorted({person(n).pk for n in spec["named"]}),
                    "require_client_and_delivery": False,
                    "requester_may_approve": spec["requester_may_approve"],
                },
            )
            for approver in {person(n) for n in spec["decided_by"]}:
                ApprovalDecision.objects.create(
                    tenant=project.tenant, request=request, approver=approver, verdict="approve", side="client"
                )
            requests.append(request)
        deciders = deciders_by_request(requests)
        for user in everyone:
            want = {pk for pk, people in deciders.items() if user.pk in people}
            if in_request:
                with access_scope():
                    got = set(waiting_for(user).values_list("pk", flat=True))
            else:
                got = set(waiting_for(user).values_list("pk", flat=True))
            assert got == want, user.username
            assert approval_inbox_count(user=user) == len(want), user.username
            assert {r.pk for r in approval_inbox(user=user)} == want, user.username
            for request in requests:
                assert may_decide(user=user, request=request) == (request.pk in want), user.username
        transaction.set_rollback(True)
