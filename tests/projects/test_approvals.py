"""Approval requests and decisions under every policy rule."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from projects.models import ApprovalDecision, ApprovalRequest, FreezeWindow, Project, Stage
from projects.services.approvals import (
    approval_decide,
    approval_freeze_override,
    approval_request_cancel,
    approval_request_create,
    approval_requests_expire,
)
from projects.services.policies import freeze_window_save, policy_save
from projects.services.projects import project_access_grant
from projects.tasks import expire_approval_requests
from tenancy.models import Membership, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def at_stage(project, stage):
    Project.objects.filter(pk=project.pk).update(stage=stage)
    project.refresh_from_db()
    return project


def stage_of(project):
    project.refresh_from_db()
    return project.stage


def count_events(action):
    return AuditEvent.objects.filter(action=action).count()


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


# --- Requests ---------------------------------------------------------------------------------


def test_request_keeps_a_snapshot_of_the_project_and_policy(project, people):
    request = approval_request_create(project=project, actor=people["lead"], note="POC ready for review")
    assert request.status == ApprovalRequest.Status.PENDING
    assert (request.from_stage, request.target_stage) == (Stage.DISCOVERY, Stage.PROOF_OF_CONCEPT)
    assert request.snapshot["code"] == "ACME-1"
    assert request.snapshot["deployment_model"] == project.deployment_model
    assert "data_sensitivity" in request.snapshot["profile"]
    assert request.policy["required_approvals"] == 1
    assert request.policy["source"] == "built-in default"
    assert request.expires_at - request.created_at == pytest.approx(
        datetime.timedelta(hours=72), abs=datetime.timedelta(seconds=5)
    )


def test_at_most_one_pending_request_per_project(project, people):
    first = approval_request_create(project=project, actor=people["lead"])
    error = refused(lambda: approval_request_create(project=project, actor=people["lead2"]), field="project")
    assert f"#{first.pk}" in str(error)
    approval_request_cancel(request=first, actor=people["lead"])
    assert approval_request_create(project=project, actor=people["lead2"]).is_pending


def test_asking_for_another_stage_than_the_next_is_refused(project, people):
    refused(
        lambda: approval_request_create(project=project, actor=people["lead"], target_stage=Stage.PRODUCTION),
        field="target_stage",
    )


def test_engineer_cannot_request_a_promotion(project, people):
    refused(lambda: approval_request_create(project=project, actor=people["engineer"]), exception=PermissionDenied)


# --- Decisions --------------------------------------------------------------------------------


def test_single_approval_promotes_under_the_default_policy(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    decision = approval_decide(request=request, actor=people["approver"], verdict="approve", comment="Looks good")
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.APPROVED
    assert request.closed_by == people["approver"]
    assert decision.side == ApprovalDecision.Side.CLIENT
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_reject_needs_a_comment_and_closes_the_request(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    refused(lambda: approval_decide(request=request, actor=people["approver"], verdict="reject"), field="comment")
    approval_decide(request=request, actor=people["approver"], verdict="reject", comment="Data not classified")
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.REJECTED
    assert stage_of(project) == Stage.DISCOVERY
    refused(lambda: approval_decide(request=request, actor=people["approver2"], verdict="approve"), field="status")


def test_unknown_verdict_is_refused(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    refused(lambda: approval_decide(request=request, actor=people["approver"], verdict="maybe"), field="verdict")


def test_n_approvals_are_required(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], target_stage=Stage.PROOF_OF_CONCEPT, required_approvals=3)
    request = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    approval_decide(request=request, actor=people["approver2"], verdict="approve")
    assert stage_of(project) == Stage.DISCOVERY
    request.refresh_from_db()
    assert request.is_pending
    approval_decide(request=request, actor=people["admin"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_each_person_decides_once(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=2)
    request = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    refused(lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"), field="approver")
    assert stage_of(project) == Stage.DISCOVERY


@pytest.mark.parametrize("who", ["viewer", "engineer", "lead2", "outsider"])
def test_ineligible_people_cannot_decide(project, people, who):
    request = approval_request_create(project=project, actor=people["lead"])
    refused(lambda: approval_decide(request=request, actor=people[who], verdict="approve"), exception=PermissionDenied)


def test_policy_roles_and_named_users(project, people, tenant):
    named = UserFactory(username="delivery-director")
    project_access_grant(project=project, user=named, role=Role.CUSTOMER_VIEWER)
    policy_save(
        tenant=tenant,
        actor=people["admin"],
        eligible_roles=[Role.CUSTOMER_ADMIN],
        eligible_users=[named],
        required_approvals=2,
    )
    request = approval_request_create(project=project, actor=people["lead"])
    refused(
        lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"),
        exception=PermissionDenied,
    )
    assert approval_decide(request=request, actor=named, verdict="approve").side == ApprovalDecision.Side.DELIVERY
    approval_decide(request=request, actor=people["admin"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_a_project_level_approver_grant_counts_as_a_client_approver(project, people):
    outsider = UserFactory(username="guest-approver")
    project_access_grant(project=project, user=outsider, role=Role.CUSTOMER_APPROVER)
    request = approval_request_create(project=project, actor=people["lead"])
    assert approval_decide(request=request, actor=outsider, verdict="approve").side == ApprovalDecision.Side.CLIENT


def test_narrowed_approver_decides_only_on_granted_projects(project, people):
    Membership.objects.filter(user=people["approver"]).update(all_projects=False)
    request = approval_request_create(project=project, actor=people["lead"])
    refused(
        lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"),
        exception=PermissionDenied,
    )
    project_access_grant(project=project, user=people["approver"], role=Role.CUSTOMER_APPROVER)
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_four_eyes_the_requester_never_approves_by_default(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], eligible_roles=[Role.DELIVERY_LEAD, Role.CUSTOMER_APPROVER])
    request = approval_request_create(project=project, actor=people["lead"])
    error = refused(
        lambda: approval_decide(request=request, actor=people["lead"], verdict="approve"), exception=PermissionDenied
    )
    assert "Four-eyes" in str(error)
    approval_decide(request=request, actor=people["lead2"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_policy_can_let_the_requester_approve(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], eligible_roles=[Role.DELIVERY_LEAD], requester_may_approve=True)
    request = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=request, actor=people["lead"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_client_and_delivery_mix(project, people, tenant):
    policy_save(
        tenant=tenant,
        actor=people["admin"],
        eligible_roles=[Role.CUSTOMER_APPROVER, Role.DELIVERY_LEAD],
        required_approvals=2,
        require_client_and_delivery=True,
    )
    request = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    approval_decide(request=request, actor=people["approver2"], verdict="approve")
    assert stage_of(project) == Stage.DISCOVERY, "two client-side approvals are not enough"
    decision = approval_decide(request=request, actor=people["lead2"], verdict="approve")
    assert decision.side == ApprovalDecision.Side.DELIVERY
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_platform_admin_is_delivery_side_when_eligible(project, people, tenant):
    policy_save(
        tenant=tenant,
        actor=people["admin"],
        eligible_roles=[Role.CUSTOMER_APPROVER, "platform_admin"],
        require_client_and_delivery=True,
    )
    request = approval_request_create(project=project, actor=people["lead"])
    assert approval_decide(request=request, actor=people["platform"], verdict="approve").side == "delivery"
    assert stage_of(project) == Stage.DISCOVERY
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_policy_for_the_target_stage_wins_over_the_default(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=2)
    policy_save(tenant=tenant, actor=people["admin"], target_stage=Stage.PROOF_OF_CONCEPT, required_approvals=1)
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.policy["required_approvals"] == 1
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT
    assert approval_request_create(project=project, actor=people["lead"]).policy["required_approvals"] == 2


def test_a_policy_change_does_not_move_the_goalposts_of_an_open_request(project, people, tenant):
    request = approval_request_create(project=project, actor=people["lead"])
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=3)
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


# --- Cancel and expiry ------------------------------------------------------------------------


def test_only_the_requester_cancels(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    refused(lambda: approval_request_cancel(request=request, actor=people["lead2"]), exception=PermissionDenied)
    approval_request_cancel(request=request, actor=people["lead"])
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.CANCELLED
    refused(lambda: approval_request_cancel(request=request, actor=people["lead"]), field="status")
    refused(lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"), field="status")


def test_expiry_closes_overdue_requests_once(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], expiry_hours=4)
    request = approval_request_create(project=project, actor=people["lead"])
    assert approval_requests_expire(now=timezone.now() + datetime.timedelta(hours=3)) == 0
    later = timezone.now() + datetime.timedelta(hours=5)
    assert approval_requests_expire(now=later) == 1
    assert approval_requests_expire(now=later) == 0
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.EXPIRED
    assert count_events("approval.expired") == 1
    event = AuditEvent.objects.get(action="approval.expired")
    assert event.actor is None
    assert event.actor_name == "system"


def test_a_decision_after_the_deadline_is_refused_even_before_the_task_runs(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    ApprovalRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    refused(lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"), field="status")


def test_the_expiry_task_runs_the_service_and_marks_its_events(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    ApprovalRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert expire_approval_requests.apply().get() == 1
    assert AuditEvent.objects.get(action="approval.expired").source == AuditEvent.Source.TASK


# --- Change freezes ---------------------------------------------------------------------------


def freeze_now(tenant, actor):
    now = timezone.now()
    return freeze_window_save(
        tenant=tenant,
        actor=actor,
        name="Year-end freeze",
        kind=FreezeWindow.Kind.ONE_OFF,
        starts_on=now - datetime.timedelta(hours=1),
        ends_on=now + datetime.timedelta(hours=1),
    )


def test_freeze_refuses_promotion_into_rollout_and_production(project, people, tenant):
    freeze_now(tenant, people["admin"])
    at_stage(project, Stage.PILOT)
    request = approval_request_create(project=project, actor=people["lead"])
    error = refused(
        lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"), field="target_stage"
    )
    assert "Year-end freeze" in str(error)
    request.refresh_from_db()
    assert request.is_pending
    # A rejection is still possible: it changes no stage.
    approval_decide(request=request, actor=people["approver"], verdict="reject", comment="Not during the freeze")


def test_freeze_does_not_touch_earlier_stages(project, people, tenant):
    freeze_now(tenant, people["admin"])
    request = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PROOF_OF_CONCEPT


def test_platform_admin_overrides_a_freeze_with_a_reason(project, people, tenant):
    freeze_now(tenant, people["admin"])
    at_stage(project, Stage.ROLLOUT)
    request = approval_request_create(project=project, actor=people["lead"])
    refused(
        lambda: approval_freeze_override(request=request, actor=people["lead"], reason="urgent"),
        exception=PermissionDenied,
    )
    refused(lambda: approval_freeze_override(request=request, actor=people["platform"], reason=" "), field="reason")
    approval_freeze_override(request=request, actor=people["platform"], reason="Security fix must ship")
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert stage_of(project) == Stage.PRODUCTION
    assert count_events("approval.freeze_overridden") == 1


def test_weekly_freeze_in_the_tenants_time_zone(project, people, tenant):
    local_now = timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.time_zone))
    start = local_now - datetime.timedelta(minutes=30)
    end = local_now + datetime.timedelta(minutes=30)
    freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Weekly release freeze",
        kind=FreezeWindow.Kind.WEEKLY,
        start_weekday=start.weekday(),
        start_time=start.time().replace(second=0, microsecond=0),
        end_weekday=end.weekday(),
        end_time=end.time().replace(second=0, microsecond=0),
    )
    at_stage(project, Stage.PILOT)
    request = approval_request_create(project=project, actor=people["lead"])
    refused(lambda: approval_decide(request=request, actor=people["approver"], verdict="approve"), field="target_stage")
