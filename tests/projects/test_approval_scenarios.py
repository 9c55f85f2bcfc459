"""Approval scenarios a demanding client tries: the readiness gate at the moment the stage changes,
people who lost the right to decide while a request waited, decisions after the request closed,
four-eyes through a relay, and freeze windows at their edges and across daylight-saving changes."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.services.gates import evidence_accept, evidence_record, evidence_withdraw
from audit.models import AuditEvent
from projects.models import ApprovalDecision, ApprovalRequest, FreezeWindow, Project, Stage
from projects.services.approvals import (
    approval_decide,
    approval_freeze_override,
    approval_request_cancel,
    approval_request_create,
    approval_requests_expire,
)
from projects.services.policies import freeze_in_force, freeze_window_save, policy_save
from tenancy.models import Membership, Role
from tenancy.services import membership_grant, membership_revoke, service_account_create
from tests.factories import TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def stage_of(project):
    project.refresh_from_db()
    return project.stage


def at_stage(project, stage):
    Project.objects.filter(pk=project.pk).update(stage=stage)
    project.refresh_from_db()
    return project


def refused(call, exception=ValidationError, field=None):
    """Run ``call`` expecting a refusal that changes nothing; returns the error."""
    before = (AuditEvent.objects.count(), ApprovalDecision.objects.count(), list(Project.objects.values("stage")))
    with pytest.raises(exception) as error:
        call()
    if field is not None:
        assert field in error.value.message_dict, error.value
    after = (AuditEvent.objects.count(), ApprovalDecision.objects.count(), list(Project.objects.values("stage")))
    assert after == before
    return error.value


def ready_for_poc(project, people):
    """The POC gate's one evidence item, recorded by the lead and accepted by the client."""
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed in workshop")
    return evidence_accept(evidence=evidence, actor=people["approver"])


# --- The readiness gate -----------------------------------------------------------------------


def test_the_readiness_gate_is_checked_again_when_the_deciding_approval_applies_the_move(project, people, tenant):
    """A gate that "must pass" for the target stage must pass when the project enters it, not only
    when someone asked: evidence withdrawn (or expired) while the request waited stops the move."""
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=2, readiness_gate_required=True)
    evidence = ready_for_poc(project, people)
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.snapshot["assessment"]["status"] == "ready"
    approval_decide(request=request, actor=people["approver"], verdict="approve")

    evidence_withdraw(evidence=evidence, actor=people["lead"])
    error = refused(
        lambda: approval_decide(request=request, actor=people["approver2"], verdict="approve"),
        field="target_stage",
    )
    assert "readiness gate for proof of concept is not passed: Data classified" in str(error)
    request.refresh_from_db()
    assert request.is_pending
    assert stage_of(project) == Stage.DISCOVERY
    # A rejection changes no stage: always possible.
    approval_decide(request=request, actor=people["approver2"], verdict="reject", comment="Evidence withdrawn")
    assert stage_of(project) == Stage.DISCOVERY


def test_once_ready_again_the_deciding_approval_goes_through(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], readiness_gate_required=True)
    evidence = ready_for_poc(project, people)
    request = approval_request_create(project=project, actor=people["lead"])
    evidence_withdraw(evidence=evidence, actor=people["lead"])
    refused(lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"), field="target_stage")
    ready_for_poc(project, people)
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_without_the_gate_a_project_that_is_not_ready_still_moves(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.snapshot["assessment"]["status"] != "ready"
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_the_gate_is_the_requests_snapshot_a_later_policy_change_does_not_add_it(project, people, tenant):
    request = approval_request_create(project=project, actor=people["lead"])
    policy_save(tenant=tenant, actor=people["admin"], readiness_gate_required=True)
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


# --- Who may still decide ---------------------------------------------------------------------


def test_a_person_whose_role_was_revoked_while_the_request_waited_cannot_decide(project, people, tenant):
    request = approval_request_create(project=project, actor=people["lead"])
    membership_revoke(tenant=tenant, user=people["approver"], actor=people["admin"])
    refused(
        lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"),
        exception=PermissionDenied,
    )
    assert stage_of(project) == Stage.DISCOVERY


def test_a_person_lowered_to_viewer_while_the_request_waited_cannot_decide(project, people, tenant):
    request = approval_request_create(project=project, actor=people["lead"])
    membership_grant(tenant=tenant, user=people["approver"], role=Role.CUSTOMER_VIEWER, actor=people["admin"])
    refused(
        lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"),
        exception=PermissionDenied,
    )


def test_a_deactivated_person_cannot_decide(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    people["approver"].is_active = False
    people["approver"].save(update_fields=["is_active"])
    refused(
        lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"),
        exception=PermissionDenied,
    )


def test_a_named_user_who_left_the_client_cannot_decide(project, people, tenant):
    named = member(tenant, Role.CUSTOMER_VIEWER, username="cfo")
    policy_save(tenant=tenant, actor=people["admin"], eligible_roles=[Role.CUSTOMER_ADMIN], eligible_users=[named])
    request = approval_request_create(project=project, actor=people["lead"])
    membership_revoke(tenant=tenant, user=named, actor=people["admin"])
    refused(lambda: approval_decide(request=request, actor=named, verdict="approve"), exception=PermissionDenied)


def test_a_customer_approver_of_another_client_cannot_decide_even_when_named(project, people, tenant):
    other = TenantFactory(slug="initech")
    stranger = member(other, Role.CUSTOMER_ADMIN, username="stranger")
    request = approval_request_create(project=project, actor=people["lead"])
    # Named in the stored policy by a tampered snapshot: visibility still decides.
    ApprovalRequest.objects.filter(pk=request.pk).update(policy={**request.policy, "eligible_user_ids": [stranger.pk]})
    request.refresh_from_db()
    refused(lambda: approval_decide(request=request, actor=stranger, verdict="approve"), exception=PermissionDenied)


def test_someone_named_after_the_request_was_made_is_not_eligible_for_it(project, people, tenant):
    named = member(tenant, Role.CUSTOMER_VIEWER, username="cfo")
    request = approval_request_create(project=project, actor=people["lead"])
    policy_save(tenant=tenant, actor=people["admin"], eligible_users=[named])
    refused(lambda: approval_decide(request=request, actor=named, verdict="approve"), exception=PermissionDenied)


def test_a_whitespace_comment_is_no_reason_to_reject(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    refused(
        lambda: approval_decide(request=request, actor=people["approver"], verdict="reject", comment=" \n\t "),
        field="comment",
    )


# --- Closed requests --------------------------------------------------------------------------


@pytest.mark.parametrize("closing", ["approved", "rejected", "cancelled", "expired"])
def test_a_decision_after_the_request_closed_is_refused_clearly(project, people, tenant, closing):
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=1)
    request = approval_request_create(project=project, actor=people["lead"])
    if closing == "approved":
        approval_decide(request=request, actor=people["approver"], verdict="approve")
    elif closing == "rejected":
        approval_decide(request=request, actor=people["approver"], verdict="reject", comment="No")
    elif closing == "cancelled":
        approval_request_cancel(request=request, actor=people["lead"])
    else:
        approval_requests_expire(now=request.expires_at)
    error = refused(
        lambda: approval_decide(request=request, actor=people["approver2"], verdict="approve"), field="status"
    )
    assert closing in str(error)
    refused(lambda: approval_request_cancel(request=request, actor=people["lead"]), field="status")


def test_the_requester_cannot_cancel_after_the_deadline(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    ApprovalRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    refused(lambda: approval_request_cancel(request=request, actor=people["lead"]), field="status")


def test_approval_applies_the_stage_change_with_its_history_in_one_go(project, people):
    request = approval_request_create(project=project, actor=people["lead"], note="Go")
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.APPROVED
    assert request.closed_by == people["approver"]
    assert request.transition.to_stage == Stage.PROOF_OF_CONCEPT
    assert request.transition.kind == "promotion"
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT
    # The next request is for the next stage.
    assert approval_request_create(project=project, actor=people["lead"]).target_stage == Stage.PILOT


# --- Four-eyes through the API ---------------------------------------------------------------


def test_a_relay_on_behalf_of_the_requester_is_refused_by_four_eyes(api, people, tenant, project):
    policy_save(tenant=tenant, actor=people["admin"], eligible_roles=[Role.DELIVERY_LEAD, Role.CUSTOMER_APPROVER])
    request = approval_request_create(project=project, actor=people["lead"])
    bot = service_account_create(tenant=tenant, username="jira", role=Role.CUSTOMER_VIEWER, actor=people["admin"])
    answer = api(bot, scopes=("read", "approve")).post(
        f"/api/v1/approval-requests/{request.pk}/approve/", {"on_behalf_of": "lead"}, format="json"
    )
    assert answer.status_code == 403, answer.json()
    assert "Four-eyes" in answer.json()["error"]["message"]
    assert not ApprovalDecision.objects.exists()
    assert stage_of(project) == Stage.DISCOVERY


def test_the_requester_cannot_approve_through_the_api(api, people, tenant, project):
    policy_save(tenant=tenant, actor=people["admin"], eligible_roles=[Role.DELIVERY_LEAD, Role.CUSTOMER_APPROVER])
    request = approval_request_create(project=project, actor=people["lead"])
    answer = api(people["lead"]).post(f"/api/v1/approval-requests/{request.pk}/approve/", {}, format="json")
    assert answer.status_code == 403
    assert not ApprovalDecision.objects.exists()


def test_a_person_cannot_relay_someone_elses_decision(api, people, project):
    request = approval_request_create(project=project, actor=people["lead"])
    answer = api(people["approver"]).post(
        f"/api/v1/approval-requests/{request.pk}/approve/", {"on_behalf_of": "approver2"}, format="json"
    )
    assert answer.status_code == 403
    assert not ApprovalDecision.objects.exists()


def test_a_relayed_decision_after_the_request_closed_is_a_clear_400(api, people, tenant, project):
    request = approval_request_create(project=project, actor=people["lead"])
    approval_request_cancel(request=request, actor=people["lead"])
    bot = service_account_create(tenant=tenant, username="jira", role=Role.CUSTOMER_VIEWER, actor=people["admin"])
    answer = api(bot, scopes=("read", "approve")).post(
        f"/api/v1/approval-requests/{request.pk}/approve/", {"on_behalf_of": "approver"}, format="json"
    )
    assert answer.status_code == 400, answer.json()
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["status"]


def test_another_clients_person_sees_a_404_for_the_request(api, people, project):
    request = approval_request_create(project=project, actor=people["lead"])
    answer = api(people["outsider"]).post(f"/api/v1/approval-requests/{request.pk}/approve/", {}, format="json")
    assert answer.status_code == 404
    assert not ApprovalDecision.objects.exists()


# --- Change freezes ---------------------------------------------------------------------------


def test_a_one_off_freeze_starts_inclusive_and_ends_exclusive(tenant, people):
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    start = datetime.datetime(2026, 12, 20, 0, 0, tzinfo=zone)
    end = datetime.datetime(2027, 1, 3, 0, 0, tzinfo=zone)
    freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Holidays",
        kind=FreezeWindow.Kind.ONE_OFF,
        starts_on=start,
        ends_on=end,
    )
    assert freeze_in_force(tenant=tenant, at=start - datetime.timedelta(microseconds=1)) is None
    assert freeze_in_force(tenant=tenant, at=start) is not None
    assert freeze_in_force(tenant=tenant, at=end - datetime.timedelta(microseconds=1)) is not None
    assert freeze_in_force(tenant=tenant, at=end) is None
    # Midnight in Bangkok is 17:00 the day before in UTC.
    assert freeze_in_force(tenant=tenant, at=datetime.datetime(2026, 12, 19, 17, 0, tzinfo=datetime.UTC)) is not None
    assert freeze_in_force(tenant=tenant, at=datetime.datetime(2026, 12, 19, 16, 59, tzinfo=datetime.UTC)) is None


@pytest.mark.parametrize(
    ("utc", "frozen"),
    [
        # Europe/London goes to summer time on Sunday 29 March 2026 at 01:00 UTC.
        ("2026-03-27T17:59", False),  # Friday 17:59 GMT
        ("2026-03-27T18:00", True),  # Friday 18:00 GMT
        ("2026-03-30T06:59", True),  # Monday 07:59 BST
        ("2026-03-30T07:00", False),  # Monday 08:00 BST: the freeze ends on the local clock
        # Back to GMT on Sunday 25 October 2026.
        ("2026-10-23T16:59", False),  # Friday 17:59 BST
        ("2026-10-23T17:00", True),  # Friday 18:00 BST
        ("2026-10-26T07:59", True),  # Monday 07:59 GMT
        ("2026-10-26T08:00", False),  # Monday 08:00 GMT
    ],
)
def test_a_weekly_freeze_follows_the_clients_wall_clock_across_daylight_saving(people, utc, frozen):
    london = TenantFactory(slug="bbc", name="Broadcaster", time_zone="Europe/London")
    admin = member(london, Role.CUSTOMER_ADMIN, username="bbc-admin")
    freeze_window_save(
        tenant=london,
        actor=admin,
        name="Weekend freeze",
        kind=FreezeWindow.Kind.WEEKLY,
        start_weekday=FreezeWindow.Weekday.FRIDAY,
        start_time=datetime.time(18, 0),
        end_weekday=FreezeWindow.Weekday.MONDAY,
        end_time=datetime.time(8, 0),
    )
    moment = datetime.datetime.fromisoformat(utc).replace(tzinfo=datetime.UTC)
    assert (freeze_in_force(tenant=london, at=moment) is not None) is frozen


def test_a_freeze_lets_the_request_be_made_and_refuses_only_the_move(project, people, tenant):
    now = timezone.now()
    freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Release freeze",
        kind=FreezeWindow.Kind.ONE_OFF,
        starts_on=now - datetime.timedelta(hours=1),
        ends_on=now + datetime.timedelta(hours=1),
    )
    at_stage(project, Stage.ROLLOUT)
    request = approval_request_create(project=project, actor=people["lead"])
    error = refused(
        lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"), field="target_stage"
    )
    assert "Change freeze “Release freeze” is in force" in str(error)
    assert stage_of(project) == Stage.ROLLOUT
    # Only a platform admin overrides, and only with a reason that says something.
    for who in ("admin", "lead", "approver"):
        refused(
            lambda who=who: approval_freeze_override(request=request, actor=people[who], reason="Hotfix"),
            exception=PermissionDenied,
        )
    for reason in ("", "   ", "\n"):
        refused(
            lambda reason=reason: approval_freeze_override(request=request, actor=people["platform"], reason=reason),
            field="reason",
        )
    approval_freeze_override(request=request, actor=people["platform"], reason="Security fix")
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PRODUCTION


def test_a_paused_project_resuming_into_rollout_is_frozen_too(project, people, tenant):
    now = timezone.now()
    freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Release freeze",
        kind=FreezeWindow.Kind.ONE_OFF,
        starts_on=now - datetime.timedelta(hours=1),
        ends_on=now + datetime.timedelta(hours=1),
    )
    Project.objects.filter(pk=project.pk).update(stage=Stage.PAUSED, stage_before_pause=Stage.ROLLOUT)
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.target_stage == Stage.ROLLOUT
    refused(lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"), field="target_stage")


def test_another_clients_freeze_does_not_block(project, people):
    other = TenantFactory(slug="initech", time_zone="UTC")
    now = timezone.now()
    FreezeWindow.objects.create(
        tenant=other,
        name="Theirs",
        kind=FreezeWindow.Kind.ONE_OFF,
        starts_on=now - datetime.timedelta(hours=1),
        ends_on=now + datetime.timedelta(hours=1),
    )
    at_stage(project, Stage.PILOT)
    request = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.ROLLOUT


# --- Evidence ---------------------------------------------------------------------------------


def test_a_delivery_lead_given_a_projects_approver_rights_still_cannot_accept_client_evidence(project, people):
    """Accepting is the client's: a delivery-side member does not become the client by a per-project
    grant (the approval rules count such a person on the delivery side too)."""
    from notifications.models import Notification
    from projects.services.projects import project_access_grant

    project_access_grant(project=project, user=people["lead2"], role=Role.CUSTOMER_APPROVER)
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    with pytest.raises(PermissionDenied):
        evidence_accept(evidence=evidence, actor=people["lead2"])
    evidence.refresh_from_db()
    assert evidence.accepted_at is None
    # Nor is that person told the evidence waits for them: the client's admins and approvers are.
    told = set(Notification.objects.filter(kind="evidence_waiting").values_list("recipient__username", flat=True))
    assert told == {"cadmin", "approver", "approver2"}


def test_a_narrowed_client_approver_accepts_only_on_granted_projects(project, people):
    Membership.objects.filter(user=people["approver"]).update(all_projects=False)
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    with pytest.raises(PermissionDenied):
        evidence_accept(evidence=evidence, actor=people["approver"])
    evidence.refresh_from_db()
    assert evidence.accepted_at is None


def test_evidence_accepted_on_one_project_does_not_count_on_another(project, people, tenant):
    from tests.factories import ProjectFactory

    other = ProjectFactory(tenant=tenant, code="ACME-2", delivery_lead=people["lead"])
    ready_for_poc(project, people)
    request = approval_request_create(project=other, actor=people["lead"])
    assert request.snapshot["assessment"]["status"] != "ready"


def test_a_service_account_of_the_client_with_the_approver_role_is_client_side(project, people, tenant):
    bot = service_account_create(tenant=tenant, username="sn", role=Role.CUSTOMER_APPROVER, actor=people["admin"])
    evidence = evidence_record(project=project, actor=people["lead"], item="data_classified", note="Agreed")
    evidence_accept(evidence=evidence, actor=bot)
    evidence.refresh_from_db()
    assert evidence.accepted_by == bot


def test_an_outside_engineer_given_one_project_cannot_accept(project, people):
    from projects.services.projects import project_access_grant

    outsider = UserFactory(username="contractor")
    project_access_grant(project=project, user=outsider, role=Role.ENGINEER)
    evidence = evidence_record(project=project, actor=outsider, item="data_classified", note="Agreed")
    with pytest.raises(PermissionDenied):
        evidence_accept(evidence=evidence, actor=outsider)


def test_expired_evidence_fails_the_gate_from_midnight_in_the_clients_time_zone(project, people, tenant):
    """Evidence counts through its expiry day, read in the client's time zone (Bangkok, UTC+7): the
    day after starts at 17:00 UTC, and from then the request's gate and its deciding approval refuse."""
    from unittest import mock

    from core.moments import client_today

    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    expiry_day = client_today(tenant.time_zone) + datetime.timedelta(days=1)
    evidence = evidence_record(
        project=project, actor=people["lead"], item="data_classified", note="Agreed", expires_on=expiry_day
    )
    evidence_accept(evidence=evidence, actor=people["approver"])
    policy_save(tenant=tenant, actor=people["admin"], readiness_gate_required=True, expiry_hours=96)
    last_moment = datetime.datetime.combine(expiry_day, datetime.time(23, 59, 59), tzinfo=zone)
    next_day = last_moment + datetime.timedelta(seconds=1)
    assert next_day.astimezone(datetime.UTC).hour == 17

    with mock.patch("django.utils.timezone.now", return_value=last_moment.astimezone(datetime.UTC)):
        request = approval_request_create(project=project, actor=people["lead"])
    with mock.patch("django.utils.timezone.now", return_value=next_day.astimezone(datetime.UTC)):
        error = refused(
            lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"),
            field="target_stage",
        )
        assert "expired on" in str(error)
        approval_request_cancel(request=request, actor=people["lead"])
        refused(lambda: approval_request_create(project=project, actor=people["lead"]), field="target_stage")
    assert stage_of(project) == Stage.DISCOVERY


def test_the_gate_at_the_deciding_approval_is_a_400_in_the_api_and_a_message_on_the_page(
    api, client, project, people, tenant
):
    from django.urls import reverse

    policy_save(tenant=tenant, actor=people["admin"], readiness_gate_required=True)
    evidence = ready_for_poc(project, people)
    request = approval_request_create(project=project, actor=people["lead"])
    evidence_withdraw(evidence=evidence, actor=people["lead"])

    answer = api(people["approver"]).post(f"/api/v1/approval-requests/{request.pk}/approve/", {}, format="json")
    assert answer.status_code == 400, answer.json()
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["target_stage"]
    assert "readiness gate" in answer.json()["error"]["fields"][0]["message"]

    client.force_login(people["approver"])
    page = client.post(reverse("decide", args=[request.pk, "approve"]), {"comment": ""}, follow=True)
    assert page.status_code == 200
    assert "readiness gate for proof of concept is not passed" in page.content.decode()
    assert not ApprovalDecision.objects.exists()
    assert stage_of(project) == Stage.DISCOVERY
