"""Approval policies and change-freeze windows: validation, rights and the time rules."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from projects.models import ApprovalPolicy, FreezeWindow, Stage
from projects.services.policies import (
    freeze_in_force,
    freeze_window_delete,
    freeze_window_save,
    policy_delete,
    policy_for,
    policy_save,
)
from tenancy.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")


def local(*args):
    return datetime.datetime(*args, tzinfo=BANGKOK)


# --- Policies ---------------------------------------------------------------------------------


def test_policy_for_falls_back_to_the_built_in_default(tenant):
    policy = policy_for(tenant_id=tenant.pk, target_stage=Stage.PILOT)
    assert policy["required_approvals"] == 1
    assert policy["requester_may_approve"] is False
    assert set(policy["eligible_roles"]) == {Role.CUSTOMER_APPROVER, Role.CUSTOMER_ADMIN}


def test_policy_save_creates_then_updates_with_one_event_each(tenant, people):
    policy = policy_save(tenant=tenant, actor=people["admin"], target_stage=Stage.PRODUCTION, required_approvals=2)
    assert policy.eligible_roles == [Role.CUSTOMER_APPROVER, Role.CUSTOMER_ADMIN]
    policy_save(tenant=tenant, actor=people["admin"], target_stage=Stage.PRODUCTION, expiry_hours=24)
    policy_save(tenant=tenant, actor=people["admin"], target_stage=Stage.PRODUCTION, expiry_hours=24)
    assert ApprovalPolicy.objects.count() == 1
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "policy.created",
        "policy.updated",
    ]
    assert AuditEvent.objects.get(action="policy.updated").after == {"expiry_hours": 24}
    policy_delete(policy=policy, actor=people["admin"])
    assert not ApprovalPolicy.objects.exists()
    assert AuditEvent.objects.filter(action="policy.deleted").count() == 1


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"required_approvals": 0}, "required_approvals"),
        ({"required_approvals": 11}, "required_approvals"),
        ({"expiry_hours": 0}, "expiry_hours"),
        ({"eligible_roles": ["customer_viewer"]}, "eligible_roles"),
        ({"eligible_roles": "customer_admin"}, "eligible_roles"),
        ({"target_stage": "discovery"}, "target_stage"),
        ({"require_client_and_delivery": True, "eligible_roles": ["customer_approver"]}, "require_client_and_delivery"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_policy_names_the_field_and_changes_nothing(tenant, people, fields, error_field):
    with pytest.raises(ValidationError) as error:
        policy_save(tenant=tenant, actor=people["admin"], **fields)
    assert error_field in error.value.message_dict
    assert not ApprovalPolicy.objects.exists()
    assert not AuditEvent.objects.exists()


def test_named_approvers_must_be_able_to_see_the_client(tenant, people):
    stranger = UserFactory(username="stranger")
    with pytest.raises(ValidationError) as error:
        policy_save(tenant=tenant, actor=people["admin"], eligible_users=[stranger])
    assert "stranger" in str(error.value.message_dict["eligible_users"])
    policy_save(tenant=tenant, actor=people["admin"], eligible_users=[people["approver"], people["platform"]])
    assert policy_for(tenant_id=tenant.pk, target_stage=Stage.PILOT)["eligible_user_ids"] == sorted(
        [people["approver"].pk, people["platform"].pk]
    )


@pytest.mark.parametrize("who", ["lead", "engineer", "approver", "viewer", "outsider"])
def test_only_customer_admins_and_platform_admins_manage_policies(tenant, people, who):
    with pytest.raises(PermissionDenied):
        policy_save(tenant=tenant, actor=people[who], required_approvals=2)
    with pytest.raises(PermissionDenied):
        freeze_window_save(
            tenant=tenant,
            actor=people[who],
            name="x",
            kind=FreezeWindow.Kind.ONE_OFF,
            starts_on=local(2026, 12, 24, 0, 0),
            ends_on=local(2026, 12, 27, 0, 0),
        )
    assert not AuditEvent.objects.exists()
    policy_save(tenant=tenant, actor=people["platform"], required_approvals=2)


# --- Freeze windows ---------------------------------------------------------------------------


def weekly(**fields):
    return FreezeWindow(kind=FreezeWindow.Kind.WEEKLY, name="w", is_active=True, **fields)


def test_one_off_window_covers_its_range_only():
    window = FreezeWindow(
        kind=FreezeWindow.Kind.ONE_OFF,
        is_active=True,
        starts_on=local(2026, 12, 24, 18, 0),
        ends_on=local(2027, 1, 2, 8, 0),
    )
    assert window.covers(local(2026, 12, 25, 12, 0), "Asia/Bangkok")
    assert window.covers(local(2026, 12, 24, 18, 0), "Asia/Bangkok")
    assert not window.covers(local(2027, 1, 2, 8, 0), "Asia/Bangkok")
    assert not window.covers(local(2026, 12, 24, 17, 59), "Asia/Bangkok")


def test_weekly_window_reads_the_clock_in_the_tenants_time_zone():
    # Friday 18:00 to Friday 23:00, Bangkok time (UTC+7).
    window = weekly(start_weekday=4, start_time=datetime.time(18), end_weekday=4, end_time=datetime.time(23))
    friday_evening_bangkok = local(2026, 11, 27, 19, 0)
    assert window.covers(friday_evening_bangkok, "Asia/Bangkok")
    assert window.covers(friday_evening_bangkok.astimezone(datetime.UTC), "Asia/Bangkok")
    # The same instant read in London is Friday 12:00: outside.
    assert not window.covers(friday_evening_bangkok, "Europe/London")


def test_weekly_window_wraps_over_the_weekend():
    # Friday 18:00 to Monday 06:00.
    window = weekly(start_weekday=4, start_time=datetime.time(18), end_weekday=0, end_time=datetime.time(6))
    assert window.covers(local(2026, 11, 28, 10, 0), "Asia/Bangkok")  # Saturday
    assert window.covers(local(2026, 11, 30, 5, 59), "Asia/Bangkok")  # Monday early
    assert not window.covers(local(2026, 11, 30, 6, 0), "Asia/Bangkok")
    assert not window.covers(local(2026, 11, 25, 12, 0), "Asia/Bangkok")  # Wednesday


def test_inactive_window_covers_nothing():
    window = weekly(start_weekday=0, start_time=datetime.time(0), end_weekday=6, end_time=datetime.time(23, 59))
    window.is_active = False
    assert not window.covers(local(2026, 11, 25, 12, 0), "Asia/Bangkok")


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"kind": "one_off", "starts_on": local(2026, 12, 24, 0, 0)}, "ends_on"),
        ({"kind": "one_off", "starts_on": local(2026, 12, 24, 0, 0), "ends_on": local(2026, 12, 23, 0, 0)}, "ends_on"),
        ({"kind": "weekly", "start_weekday": 4, "start_time": datetime.time(18), "end_weekday": 0}, "end_time"),
        (
            {
                "kind": "weekly",
                "start_weekday": 4,
                "start_time": datetime.time(18),
                "end_weekday": 4,
                "end_time": datetime.time(18),
            },
            "end_time",
        ),
        ({"kind": "weekly", "start_weekday": 7, "start_time": datetime.time(1)}, "start_weekday"),
        ({"kind": "monthly"}, "kind"),
    ],
)
def test_bad_freeze_window_names_the_field_and_changes_nothing(tenant, people, fields, error_field):
    with pytest.raises(ValidationError) as error:
        freeze_window_save(tenant=tenant, actor=people["admin"], name="Freeze", **fields)
    assert error_field in error.value.message_dict
    assert not FreezeWindow.objects.exists()
    assert not AuditEvent.objects.exists()


def test_freeze_in_force_and_its_audit(tenant, people):
    window = freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Songkran",
        kind=FreezeWindow.Kind.ONE_OFF,
        starts_on=local(2027, 4, 12, 0, 0),
        ends_on=local(2027, 4, 16, 0, 0),
    )
    assert freeze_in_force(tenant=tenant, at=local(2027, 4, 13, 9, 0)) == window
    assert freeze_in_force(tenant=tenant, at=local(2027, 4, 17, 9, 0)) is None
    freeze_window_save(tenant=tenant, actor=people["admin"], window=window, is_active=False)
    assert freeze_in_force(tenant=tenant, at=local(2027, 4, 13, 9, 0)) is None
    freeze_window_delete(window=window, actor=people["admin"])
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "freeze.created",
        "freeze.updated",
        "freeze.deleted",
    ]
