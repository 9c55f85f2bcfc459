"""Concurrent changes of a client's members on PostgreSQL with real threads."""

import pytest

from audit.models import AuditEvent
from tenancy.models import Membership, Role
from tenancy.services import membership_add
from tests.factories import UserFactory, member
from tests.projects.test_concurrency import ROUNDS, race_outcomes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_admins_adding_the_same_person_at_once_make_one_member_and_one_refusal(tenant, people):
    second_admin = member(tenant, Role.CUSTOMER_ADMIN, username="second-admin")
    for round_number in range(ROUNDS):
        newcomer = UserFactory(username=f"newcomer-{round_number}")
        outcomes = race_outcomes(
            lambda user=newcomer: membership_add(tenant=tenant, user=user, role=Role.ENGINEER, actor=people["admin"]),
            lambda user=newcomer: membership_add(
                tenant=tenant, user=user, role=Role.CUSTOMER_VIEWER, actor=second_admin
            ),
        )
        assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
        refusal = next(error for kind, error in outcomes if kind == "refused")
        assert refusal.error_dict["person"][0].code == "already_member"
        assert Membership.objects.filter(tenant=tenant, user=newcomer).count() == 1
        assert AuditEvent.objects.filter(action="access.role_granted", after__user=newcomer.username).count() == 1
