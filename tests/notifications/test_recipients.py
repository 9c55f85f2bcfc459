"""Each kind of notification reaches exactly the people it concerns: never the one who acted, never a
viewer who cannot act on it, never another client's people."""

import pytest

from assessments.services.gates import evidence_accept, evidence_record, evidence_withdraw
from notifications.models import Kind, Notification
from projects.services.approvals import (
    approval_decide,
    approval_request_cancel,
    approval_request_create,
    approval_requests_expire,
)
from projects.services.policies import policy_save
from projects.services.projects import project_access_grant, project_update
from tenancy.models import Membership, Role
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member
from tests.notifications.common import told
from tests.webhooks.test_webhooks import Receiver
from webhooks import delivery as webhook_delivery
from webhooks import services as webhook_services

pytestmark = pytest.mark.django_db

CLIENT_DECIDERS = {"approver", "approver2", "cadmin"}


def test_a_request_waits_for_the_eligible_approvers_and_no_one_else(project, people):
    request = approval_request_create(project=project, actor=people["lead"], note="Pilot ready")
    assert told(Kind.APPROVAL_WAITING) == CLIENT_DECIDERS
    assert told() == CLIENT_DECIDERS  # nothing else, to anyone
    notification = Notification.objects.get(recipient=people["approver"])
    assert notification.sentence.startswith(f"{people['lead'].get_full_name()} asked you to approve moving")
    assert "(Asia/Bangkok)" in notification.sentence  # the client's time zone, named
    assert notification.detail == "“Pilot ready”"
    assert notification.link == f"/inbox/#request-{request.pk}"
    assert (notification.tenant, notification.project, notification.audit_event.action) == (
        project.tenant,
        project,
        "approval.requested",
    )


def test_the_requester_is_not_told_of_their_own_request_even_where_they_may_approve_it(tenant, project, people):
    policy_save(
        tenant=tenant,
        actor=people["admin"],
        eligible_roles=["delivery_lead", "customer_admin"],
        requester_may_approve=True,
    )
    approval_request_create(project=project, actor=people["lead"])
    assert told(Kind.APPROVAL_WAITING) == {"lead2", "cadmin"}


def test_named_approvers_and_project_grants_count_narrowed_roles_without_the_project_do_not(tenant, project, people):
    named = member(tenant, Role.CUSTOMER_VIEWER, username="named")
    granted = UserFactory(username="granted")
    project_access_grant(project=project, user=granted, role=Role.CUSTOMER_APPROVER)
    Membership.objects.filter(user=people["approver2"]).update(all_projects=False)
    policy_save(tenant=tenant, actor=people["admin"], eligible_roles=["customer_approver"], eligible_users=[named])
    approval_request_create(project=project, actor=people["lead"])
    assert told(Kind.APPROVAL_WAITING) == {"approver", "named", "granted"}


def test_deactivated_people_and_service_accounts_are_not_told(tenant, project, people):
    people["approver2"].is_active = False
    people["approver2"].save(update_fields=["is_active"])
    robot = member(tenant, Role.CUSTOMER_APPROVER, username="robot", kind="service_account")
    approval_request_create(project=project, actor=people["lead"])
    assert told(Kind.APPROVAL_WAITING) == {"approver", "cadmin"}
    assert not Notification.objects.filter(recipient=robot).exists()


def test_another_clients_request_tells_only_its_own_people(project, people):
    other = TenantFactory(slug="initech", name="Initech")
    their_lead = member(other, Role.DELIVERY_LEAD, username="their-lead")
    their_approver = member(other, Role.CUSTOMER_APPROVER, username="their-approver")
    approval_request_create(project=ProjectFactory(tenant=other, delivery_lead=their_lead), actor=their_lead)
    assert told() == {their_approver.username}
    assert not Notification.objects.filter(recipient=people["outsider"]).exists()


def test_approval_tells_the_requester_and_the_lead_with_the_approvers_names(project, people):
    request = approval_request_create(project=project, actor=people["lead2"])
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    assert told(Kind.APPROVAL_OUTCOME) == {"lead", "lead2"}  # not the approver who closed it
    sentence = Notification.objects.filter(kind=Kind.APPROVAL_OUTCOME).first().sentence
    assert sentence == f"{project.name} moved to Proof of concept: approved by {people['approver'].get_full_name()}."


def test_once_a_request_closes_the_notices_that_it_waits_stop_counting_as_unread(project, people):
    request = approval_request_create(project=project, actor=people["lead2"])
    assert Notification.objects.filter(kind=Kind.APPROVAL_WAITING, read_at=None).count() == 3
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    waiting = Notification.objects.filter(kind=Kind.APPROVAL_WAITING)
    assert waiting.count() == 3
    assert not waiting.filter(read_at=None).exists()
    assert Notification.objects.filter(kind=Kind.APPROVAL_OUTCOME, read_at=None).count() == 2  # the news is unread


def test_a_rejection_reaches_the_requester_and_the_lead_with_its_comment(project, people):
    request = approval_request_create(project=project, actor=people["lead2"])
    approval_decide(request=request, actor=people["approver"], verdict="reject", comment="DPIA missing")
    assert told(Kind.APPROVAL_REJECTED) == {"lead", "lead2"}
    assert told(Kind.APPROVAL_OUTCOME) == set()
    notification = Notification.objects.filter(kind=Kind.APPROVAL_REJECTED).first()
    assert notification.sentence == (
        f"{people['approver'].get_full_name()} rejected moving {project.name} to Proof of concept: “DPIA missing”"
    )
    assert notification.link == f"/projects/{project.pk}/"


def test_a_cancellation_tells_the_lead_but_not_the_one_who_cancelled(project, people):
    request = approval_request_create(project=project, actor=people["lead2"])
    approval_request_cancel(request=request, actor=people["lead2"])
    assert told(Kind.APPROVAL_OUTCOME) == {"lead"}
    assert "cancelled the request" in Notification.objects.get(kind=Kind.APPROVAL_OUTCOME).sentence


def test_an_expiry_tells_the_requester_and_the_lead(project, people):
    request = approval_request_create(project=project, actor=people["lead"])
    approval_requests_expire(now=request.expires_at)
    assert told(Kind.APPROVAL_OUTCOME) == {"lead"}
    sentence = Notification.objects.get(kind=Kind.APPROVAL_OUTCOME).sentence
    assert "expired on" in sentence
    assert "with 0 of the 1 approvals it needed" in sentence


def test_client_side_evidence_waits_for_the_clients_acceptors(project, people):
    evidence = evidence_record(project=project, actor=people["engineer"], item="data_classified", note="Workshop")
    assert told(Kind.EVIDENCE_WAITING) == {"approver", "approver2", "cadmin"}  # not the platform admin
    notification = Notification.objects.filter(kind=Kind.EVIDENCE_WAITING).first()
    assert "“Data classified" in notification.sentence
    assert notification.link == f"/projects/{project.pk}/#gate-data_classified"
    # Accepted, then recorded again unchanged: still accepted, nobody is asked again.
    evidence_accept(evidence=evidence, actor=people["approver"])
    evidence_record(project=project, actor=people["engineer"], item="data_classified", note="Workshop")
    assert Notification.objects.filter(kind=Kind.EVIDENCE_WAITING).count() == 3
    # Changed: the client's acceptance is gone, so they are asked again.
    evidence_record(project=project, actor=people["engineer"], item="data_classified", note="Workshop, signed")
    assert Notification.objects.filter(kind=Kind.EVIDENCE_WAITING).count() == 6


@pytest.mark.parametrize("settle", ["accept", "withdraw"])
def test_once_evidence_is_accepted_or_withdrawn_its_notices_stop_counting_as_unread(project, people, settle):
    evidence = evidence_record(project=project, actor=people["engineer"], item="data_classified", note="Workshop")
    other = evidence_record(
        project=project, actor=people["engineer"], item="client_change_approval", note="CAB minutes"
    )
    assert Notification.objects.unread().filter(kind=Kind.EVIDENCE_WAITING).count() == 6
    if settle == "accept":
        evidence_accept(evidence=evidence, actor=people["approver"])
    else:
        evidence_withdraw(evidence=evidence, actor=people["lead"])
    unread = Notification.objects.unread().filter(kind=Kind.EVIDENCE_WAITING)
    assert {n.link for n in unread} == {f"/projects/{project.pk}/#gate-{other.item}"}
    assert unread.count() == 3


def test_evidence_the_delivery_side_owns_tells_no_one(project, people):
    evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana board")
    assert not Notification.objects.exists()


def test_a_webhook_switched_off_after_failures_tells_the_clients_admins(tenant, project, people, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_RETRY_DELAYS = []  # the first failure is the last
    receiver = Receiver()
    try:
        receiver.answers = [500] * 10
        endpoint = webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
        for name in ("A", "B", "C"):
            project_update(project=project, actor=people["lead"], name=name)
            for delivery_id in webhook_delivery.due_deliveries():
                webhook_delivery.attempt(delivery_id)
    finally:
        receiver.close()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert told() == {"cadmin"}
    notification = Notification.objects.get()
    assert notification.kind == Kind.WEBHOOK_DISABLED
    assert "3 deliveries in a row failed" in notification.sentence
    assert notification.link == f"/settings/{tenant.slug}/webhooks/{endpoint.pk}/deliveries/"


def test_an_event_handled_twice_notifies_once(project, people):
    from notifications.events import approval_requested

    approval_request_create(project=project, actor=people["lead"])
    first = set(Notification.objects.values_list("pk", flat=True))
    # Handled again: no new notification; the answer names the same ones, whose emails are still to send.
    assert set(approval_requested(Notification.objects.first().audit_event)) == first
    assert set(Notification.objects.values_list("pk", flat=True)) == first
