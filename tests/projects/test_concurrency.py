"""Concurrent decisions on PostgreSQL with real threads: never two stage changes, never a decision
on a closed request. Each race is run several times to meet different interleavings."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from projects.models import ApprovalDecision, ApprovalRequest, Project, Stage, StageTransition
from projects.services.approvals import (
    approval_decide,
    approval_request_cancel,
    approval_request_create,
    approval_requests_expire,
)
from projects.services.policies import policy_save
from tests.factories import member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 6


def race(*calls):
    """Start every call at the same moment, each in its own thread with its own connection."""
    return [kind for kind, _ in race_outcomes(*calls)]


def race_outcomes(*calls):
    """``race``, keeping each call's result or refusal: ``[("ok", value) | ("refused", error), ...]``."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except (ValidationError, PermissionDenied) as error:
            outcomes[index] = ("refused", error)
        except Exception as error:  # anything else is a bug the test must show
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(outcome is not None for outcome in outcomes), "a thread hung"
    errors = [outcome[1] for outcome in outcomes if outcome[0] == "error"]
    assert not errors, errors
    return outcomes


def fresh_request(project, lead):
    Project.objects.filter(pk=project.pk).update(stage=Stage.DISCOVERY)
    ApprovalRequest.objects.filter(project=project, status="pending").update(status="cancelled")
    project.refresh_from_db()
    return approval_request_create(project=project, actor=lead)


def promotions(request):
    return StageTransition.objects.filter(approval_request=request).count()


def test_two_approvers_at_once_when_one_approval_is_enough(project, people):
    for _ in range(ROUNDS):
        request = fresh_request(project, people["lead"])
        outcomes = race(
            lambda r=request: approval_decide(request=r, actor=people["approver"], verdict="approve"),
            lambda r=request: approval_decide(request=r, actor=people["approver2"], verdict="approve"),
        )
        assert sorted(outcomes) == ["ok", "refused"]
        request.refresh_from_db()
        assert request.status == ApprovalRequest.Status.APPROVED
        assert request.decisions.count() == 1
        assert promotions(request) == 1
        assert (
            AuditEvent.objects.filter(action="project.stage_changed", after__approval_request=request.pk).count() == 1
        )


def test_two_approvers_at_once_when_two_are_required(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=2)
    for _ in range(ROUNDS):
        request = fresh_request(project, people["lead"])
        outcomes = race(
            lambda r=request: approval_decide(request=r, actor=people["approver"], verdict="approve"),
            lambda r=request: approval_decide(request=r, actor=people["approver2"], verdict="approve"),
        )
        assert outcomes == ["ok", "ok"]
        request.refresh_from_db()
        assert request.status == ApprovalRequest.Status.APPROVED
        assert promotions(request) == 1
        project.refresh_from_db()
        assert project.stage == Stage.PROOF_OF_CONCEPT


def test_the_same_approval_sent_twice(project, people, tenant):
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=2)
    for _ in range(ROUNDS):
        request = fresh_request(project, people["lead"])
        outcomes = race(
            *[lambda r=request: approval_decide(request=r, actor=people["approver"], verdict="approve")] * 3
        )
        assert sorted(outcomes) == ["ok", "refused", "refused"]
        assert ApprovalDecision.objects.filter(request=request).count() == 1
        request.refresh_from_db()
        assert request.is_pending
        assert promotions(request) == 0


def test_an_approval_racing_a_cancel(project, people):
    for _ in range(ROUNDS):
        request = fresh_request(project, people["lead"])
        (approve, approved), (cancel, cancelled) = race_outcomes(
            lambda r=request: approval_decide(request=r, actor=people["approver"], verdict="approve"),
            lambda r=request: approval_request_cancel(request=r, actor=people["lead"]),
        )
        request.refresh_from_db()
        project.refresh_from_db()
        closing = list(
            AuditEvent.objects.filter(
                object_id=str(request.pk), action__in=["approval.approved", "approval.cancelled"]
            ).values_list("action", flat=True)
        )
        # Exactly one side won, the loser was told what the winner did, and the state is the winner's.
        assert sorted([approve, cancel]) == ["ok", "refused"]
        if approve == "ok":
            assert approved.request_id == request.pk
            assert cancelled.message_dict == {"status": ["This request is already approved."]}
            assert request.status == ApprovalRequest.Status.APPROVED
            assert closing == ["approval.approved"]
            assert promotions(request) == 1
            assert project.stage == request.target_stage
            assert list(request.decisions.values_list("approver", flat=True)) == [people["approver"].pk]
        else:
            assert cancelled.pk == request.pk
            assert approved.message_dict == {"status": ["This request is already cancelled."]}
            assert request.status == ApprovalRequest.Status.CANCELLED
            assert closing == ["approval.cancelled"]
            assert promotions(request) == 0
            assert project.stage == request.from_stage
            assert not request.decisions.exists()


def test_an_approval_racing_the_expiry_task(project, people):
    for _ in range(ROUNDS):
        request = fresh_request(project, people["lead"])
        after_deadline = request.expires_at + datetime.timedelta(seconds=1)
        approve, expire = race(
            lambda r=request: approval_decide(request=r, actor=people["approver"], verdict="approve"),
            lambda at=after_deadline: approval_requests_expire(now=at),
        )
        assert expire == "ok"
        request.refresh_from_db()
        if approve == "ok":
            assert request.status == ApprovalRequest.Status.APPROVED
            assert promotions(request) == 1
        else:
            assert request.status == ApprovalRequest.Status.EXPIRED
            assert promotions(request) == 0
            assert not request.decisions.exists()


def test_two_leads_requesting_at_once_make_one_pending_request(project, people):
    for _ in range(ROUNDS):
        Project.objects.filter(pk=project.pk).update(stage=Stage.DISCOVERY)
        ApprovalRequest.objects.filter(project=project, status="pending").update(status="cancelled")
        outcomes = race(
            lambda: approval_request_create(project=project, actor=people["lead"]),
            lambda: approval_request_create(project=project, actor=people["lead2"]),
        )
        assert sorted(outcomes) == ["ok", "refused"]
        assert ApprovalRequest.objects.filter(project=project, status="pending").count() == 1


def test_twenty_threads_deciding_leave_a_consistent_state(project, people, tenant):
    from tests.factories import member

    approvers = [member(tenant, "customer_approver", username=f"approver-{i}") for i in range(20)]
    policy_save(tenant=tenant, actor=people["admin"], required_approvals=5)
    request = fresh_request(project, people["lead"])
    outcomes = race(*[lambda a=a: approval_decide(request=request, actor=a, verdict="approve") for a in approvers])
    assert outcomes.count("ok") == 5
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.APPROVED
    assert request.decisions.count() == 5
    assert promotions(request) == 1
    assert timezone.now() > request.closed_at


def test_two_admins_creating_the_same_policy_at_once(project, people, tenant):
    from projects.models import ApprovalPolicy

    people["admin2"] = member(tenant, "customer_admin", username="cadmin2")
    for round_ in range(ROUNDS):
        ApprovalPolicy.objects.filter(tenant=tenant).delete()
        outcomes = race(
            lambda: policy_save(tenant=tenant, actor=people["admin"], target_stage="production", required_approvals=2),
            lambda: policy_save(tenant=tenant, actor=people["admin2"], target_stage="production", expiry_hours=24),
        )
        assert outcomes == ["ok", "ok"], round_
        policy = ApprovalPolicy.objects.get(tenant=tenant, target_stage="production")
        # The second save changed the policy the first one created: both changes stand.
        assert (policy.required_approvals, policy.expiry_hours) == (2, 24)
        audit = AuditEvent.objects.filter(object_type="projects.approvalpolicy", object_id=str(policy.pk))
        assert sorted(audit.values_list("action", flat=True)) == ["policy.created", "policy.updated"]


def test_two_people_recording_the_same_evidence_at_once(project, people):
    from assessments.models import GateEvidence
    from assessments.services.gates import evidence_record

    for round_ in range(ROUNDS):
        GateEvidence.objects.filter(project=project).delete()
        outcomes = race(
            lambda: evidence_record(project=project, actor=people["lead"], item="monitoring", note="first"),
            lambda: evidence_record(project=project, actor=people["engineer"], item="monitoring", note="second"),
        )
        assert outcomes == ["ok", "ok"], round_
        evidence = GateEvidence.objects.get(project=project, item="monitoring")
        assert evidence.note in {"first", "second"}
        recorded = AuditEvent.objects.filter(action="gate.evidence_recorded", object_id=str(evidence.pk))
        assert sorted(event.before is None for event in recorded) == [False, True]


def test_two_first_saves_of_a_cost_profile_at_once(project, people):
    from assessments.models import CostProfile
    from assessments.services.cost_plans import cost_plan_update as cost_profile_update

    for round_ in range(ROUNDS):
        CostProfile.objects.filter(project=project).delete()
        outcomes = race(
            lambda: cost_profile_update(project=project, actor=people["lead"], min_replicas=3),
            lambda: cost_profile_update(project=project, actor=people["engineer"], staff_fte="0.5"),
        )
        assert outcomes == ["ok", "ok"], round_
        plan = CostProfile.objects.get(project=project)
        assert (plan.min_replicas, str(plan.staff_fte)) == (3, "0.50")


def test_overlapping_evaluations_store_each_result_once(tenant, people):
    from assessments.catalog import prices_import, reference_catalog_load
    from assessments.models import Assessment, CostEstimate
    from assessments.services.estimates import estimates_recalculate
    from assessments.services.evaluation import evaluate_many
    from projects.models import RequirementsProfile
    from tests.factories import ProjectFactory

    reference_catalog_load()
    prices_import(prices={"openai:gpt-4o-mini": ("0.15", "0.075", "0.60")}, source="test")
    projects = ProjectFactory.create_batch(20, tenant=tenant)
    ids = [project.pk for project in projects]
    for round_ in range(3):
        RequirementsProfile.objects.filter(project_id__in=ids).update(monthly_requests=1000 + round_)
        outcomes = race(
            lambda: evaluate_many(ids),
            lambda: evaluate_many(ids),
            lambda: estimates_recalculate(ids),
        )
        assert outcomes == ["ok", "ok", "ok"], round_
        # One new estimate and one new assessment per project per change of its inputs, however many runs overlapped.
        assert CostEstimate.objects.count() == 20 * (round_ + 1), round_
        assert Assessment.objects.count() == 20 * (round_ + 1), round_
    for project in projects:
        history = list(CostEstimate.objects.filter(project=project).order_by("created_at", "pk"))
        assert [e.supersedes for e in history] == [0, *(e.pk for e in history[:-1])]
        assert project.standing.estimate_id == history[-1].pk
