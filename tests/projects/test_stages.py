"""The rollout state machine: every transition, who may make it, and what it leaves behind."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from projects.models import ApprovalRequest, Project, Stage, StageTransition
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.stages import (
    project_pause,
    project_retire,
    project_rollback,
    promotion_target,
    rollback_targets,
)

pytestmark = pytest.mark.django_db


def at_stage(project, stage, **extra):
    Project.objects.filter(pk=project.pk).update(stage=stage, **extra)
    project.refresh_from_db()
    return project


def promote(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    project.refresh_from_db()
    return request


def events(action=None):
    qs = AuditEvent.objects.all()
    return qs.filter(action=action) if action else qs


@pytest.mark.parametrize(
    ("stage", "target"),
    [
        (Stage.DISCOVERY, Stage.PROOF_OF_CONCEPT),
        (Stage.PROOF_OF_CONCEPT, Stage.PILOT),
        (Stage.PILOT, Stage.ROLLOUT),
        (Stage.ROLLOUT, Stage.PRODUCTION),
        (Stage.PRODUCTION, None),
        (Stage.RETIRED, None),
    ],
)
def test_promotion_target_is_the_next_pipeline_stage(project, stage, target):
    assert promotion_target(at_stage(project, stage)) == target


def test_every_forward_move_goes_through_an_approved_request(project, people):
    path = []
    for _ in range(4):
        request = promote(project, people)
        path.append(project.stage)
        transition = StageTransition.objects.get(approval_request=request)
        assert (transition.from_stage, transition.to_stage) == (request.from_stage, request.target_stage)
        assert transition.kind == StageTransition.Kind.PROMOTION
        assert transition.actor == people["approver"]
    assert path == [Stage.PROOF_OF_CONCEPT, Stage.PILOT, Stage.ROLLOUT, Stage.PRODUCTION]
    assert project.stage_history.count() == 4
    with pytest.raises(ValidationError) as error:
        approval_request_create(project=project, actor=people["lead"])
    assert "target_stage" in error.value.message_dict


@pytest.mark.parametrize(
    ("stage", "targets"),
    [
        (Stage.DISCOVERY, []),
        (Stage.PROOF_OF_CONCEPT, [Stage.DISCOVERY]),
        (Stage.PILOT, [Stage.DISCOVERY, Stage.PROOF_OF_CONCEPT]),
        (Stage.PRODUCTION, [Stage.DISCOVERY, Stage.PROOF_OF_CONCEPT, Stage.PILOT, Stage.ROLLOUT]),
        (Stage.RETIRED, []),
    ],
)
def test_rollback_targets(project, stage, targets):
    assert rollback_targets(at_stage(project, stage)) == targets


def test_rollback_by_the_lead_with_a_reason(project, people):
    at_stage(project, Stage.ROLLOUT)
    transition = project_rollback(
        project=project, actor=people["lead"], to_stage=Stage.PILOT, reason="Latency regressed"
    )
    project.refresh_from_db()
    assert project.stage == Stage.PILOT
    assert (transition.kind, transition.from_stage, transition.to_stage) == ("rollback", "rollout", "pilot")
    assert transition.reason == "Latency regressed"
    event = events("project.stage_changed").get()
    assert event.before == {"stage": "rollout"}
    assert event.after["stage"] == "pilot"
    assert event.after["kind"] == "rollback"
    assert event.actor == people["lead"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"to_stage": Stage.PILOT, "reason": "  "}, "reason"),
        ({"to_stage": Stage.PRODUCTION, "reason": "why"}, "to_stage"),
        ({"to_stage": Stage.ROLLOUT, "reason": "why"}, "to_stage"),
        ({"to_stage": Stage.PAUSED, "reason": "why"}, "to_stage"),
    ],
)
def test_refused_rollback_names_the_field_and_changes_nothing(project, people, kwargs, field):
    at_stage(project, Stage.ROLLOUT)
    with pytest.raises(ValidationError) as error:
        project_rollback(project=project, actor=people["lead"], **kwargs)
    assert field in error.value.message_dict
    project.refresh_from_db()
    assert project.stage == Stage.ROLLOUT
    assert not StageTransition.objects.exists()
    assert not events().exists()


@pytest.mark.parametrize("who", ["engineer", "admin", "approver", "viewer", "outsider"])
def test_only_delivery_leads_move_stages_directly(project, people, who):
    at_stage(project, Stage.PILOT)
    for move in (
        lambda: project_rollback(project=project, actor=people[who], to_stage=Stage.DISCOVERY, reason="x"),
        lambda: project_pause(project=project, actor=people[who], reason="x"),
        lambda: project_retire(project=project, actor=people[who], reason="x"),
        lambda: approval_request_create(project=project, actor=people[who]),
    ):
        with pytest.raises(PermissionDenied):
            move()
    project.refresh_from_db()
    assert project.stage == Stage.PILOT
    assert not events().exists()


def test_platform_admin_may_move_stages(project, people):
    at_stage(project, Stage.PILOT)
    project_pause(project=project, actor=people["platform"], reason="Client asked to hold")
    project.refresh_from_db()
    assert project.stage == Stage.PAUSED


def test_pause_then_resume_through_approval(project, people):
    at_stage(project, Stage.PILOT)
    project_pause(project=project, actor=people["lead"], reason="Budget review")
    project.refresh_from_db()
    assert (project.stage, project.stage_before_pause) == (Stage.PAUSED, Stage.PILOT)
    assert promotion_target(project) == Stage.PILOT
    assert rollback_targets(project) == [Stage.DISCOVERY, Stage.PROOF_OF_CONCEPT]

    request = promote(project, people)
    assert (request.from_stage, request.target_stage) == (Stage.PAUSED, Stage.PILOT)
    assert (project.stage, project.stage_before_pause) == (Stage.PILOT, "")


def test_rollback_from_pause(project, people):
    at_stage(project, Stage.ROLLOUT)
    project_pause(project=project, actor=people["lead"], reason="Incident")
    project_rollback(project=project, actor=people["lead"], to_stage=Stage.PILOT, reason="Rework")
    project.refresh_from_db()
    assert (project.stage, project.stage_before_pause) == (Stage.PILOT, "")


@pytest.mark.parametrize("stage", [Stage.PAUSED, Stage.RETIRED])
def test_pause_only_from_the_pipeline(project, people, stage):
    at_stage(project, stage, stage_before_pause=Stage.PILOT if stage == Stage.PAUSED else "")
    with pytest.raises(ValidationError) as error:
        project_pause(project=project, actor=people["lead"], reason="again")
    assert "stage" in error.value.message_dict


@pytest.mark.parametrize("stage", [*Stage.values])
def test_retire_from_any_stage_but_retired(project, people, stage):
    at_stage(project, stage, stage_before_pause=Stage.PILOT if stage == Stage.PAUSED else "")
    if stage == Stage.RETIRED:
        with pytest.raises(ValidationError):
            project_retire(project=project, actor=people["lead"], reason="done")
        return
    project_retire(project=project, actor=people["lead"], reason="Client ended the programme")
    project.refresh_from_db()
    assert project.stage == Stage.RETIRED
    assert promotion_target(project) is None
    assert rollback_targets(project) == []
    with pytest.raises(ValidationError):
        approval_request_create(project=project, actor=people["lead"])


@pytest.mark.parametrize(
    "move",
    [
        lambda project, lead: project_rollback(project=project, actor=lead, to_stage=Stage.DISCOVERY, reason="r"),
        lambda project, lead: project_pause(project=project, actor=lead, reason="p"),
        lambda project, lead: project_retire(project=project, actor=lead, reason="t"),
    ],
)
def test_a_direct_move_cancels_the_pending_request(project, people, move):
    at_stage(project, Stage.PILOT)
    request = approval_request_create(project=project, actor=people["lead"])
    move(project, people["lead2"])
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.CANCELLED
    assert events("approval.cancelled").count() == 1
    with pytest.raises(ValidationError) as error:
        approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert "status" in error.value.message_dict


def test_every_state_change_leaves_exactly_one_event(project, people):
    at_stage(project, Stage.PILOT)
    request = approval_request_create(project=project, actor=people["lead"])
    assert list(events().values_list("action", flat=True)) == ["approval.requested"]
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert sorted(events().values_list("action", flat=True)) == [
        "approval.approved",
        "approval.decided",
        "approval.requested",
        "project.stage_changed",
    ]
    stage_event = events("project.stage_changed").get()
    assert stage_event.after["approval_request"] == request.pk
    assert stage_event.project_id == project.pk
    assert stage_event.tenant_id == project.tenant_id
