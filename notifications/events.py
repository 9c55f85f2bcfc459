"""What each audited action tells whom, and in which words. ``receivers`` calls these inside the
transaction that recorded the event, so a notification exists exactly when its change does."""

from django.urls import reverse

from assessments.models import GateEvidence
from assessments.readiness import CLIENT_ACCEPTED
from assessments.services.gates import EVIDENCE_ITEMS
from audit.models import AuditEvent
from notifications import recipients
from notifications.models import Kind
from notifications.services import notifications_settled, notify
from notifications.wording import local_time, names, person, quoted
from projects.models import ApprovalDecision, ApprovalRequest, Stage
from webhooks.models import WebhookEndpoint


def approval_requested(event: AuditEvent) -> list[int]:
    """The people who may decide are told a request waits for them, and until when."""
    request = _request(event)
    project, tenant = request.project, request.project.tenant
    move = _move(request)
    return notify(
        recipients=recipients.approvers_waited_for(request),
        kind=Kind.APPROVAL_WAITING,
        tenant_id=tenant.pk,
        project_id=project.pk,
        key=f"approval.requested:{request.pk}",
        subject=f"Approval needed: {project.name} to {move} ({tenant.name})",
        sentence=(
            f"{person(request.requested_by)} asked you to approve moving {project.name} to {move}, "
            f"by {local_time(request.expires_at, tenant.time_zone)}."
        ),
        detail=quoted(request.note),
        link=inbox_link(request),
        event=event,
    )


def approval_closed(event: AuditEvent) -> list[int]:
    """The requester and the project's lead are told how their request ended (not by themselves); the
    approvers' notices that it waited for them stop counting as unread."""
    request = _request(event)
    notifications_settled(
        tenant_id=request.tenant_id, keys=[f"approval.requested:{request.pk}", f"approval.reminder:{request.pk}"]
    )
    project, tenant = request.project, request.project.tenant
    move = _move(request)
    decisions = list(
        ApprovalDecision.objects.filter(request=request).select_related("approver", "relayed_by").order_by("pk")
    )
    status = request.status
    kind = Kind.APPROVAL_REJECTED if status == ApprovalRequest.Status.REJECTED else Kind.APPROVAL_OUTCOME
    if status == ApprovalRequest.Status.APPROVED:
        approvers = [d.approver for d in decisions if d.verdict == ApprovalDecision.Verdict.APPROVE]
        subject = f"Approved: {project.name} to {move}"
        sentence = f"{project.name} moved to {move}: approved by {names(approvers)}."
    elif status == ApprovalRequest.Status.REJECTED:
        rejection = next((d for d in reversed(decisions) if d.verdict == ApprovalDecision.Verdict.REJECT), None)
        relayed = f" (relayed by {person(rejection.relayed_by)})" if rejection and rejection.relayed_by else ""
        comment = quoted(rejection.comment) if rejection else ""
        subject = f"Rejected: {project.name} to {move}"
        sentence = f"{person(event.actor)}{relayed} rejected moving {project.name} to {move}" + (
            f": {comment}" if comment else "."
        )
    elif status == ApprovalRequest.Status.EXPIRED:
        approvals = sum(d.verdict == ApprovalDecision.Verdict.APPROVE for d in decisions)
        subject = f"Expired: {project.name} to {move}"
        sentence = (
            f"The request to move {project.name} to {move} expired on "
            f"{local_time(request.closed_at or event.created_at, tenant.time_zone)} with "
            f"{approvals} of the {request.policy['required_approvals']} approvals it needed. Ask again when ready."
        )
    else:
        subject = f"Cancelled: {project.name} to {move}"
        sentence = f"{person(event.actor)} cancelled the request to move {project.name} to {move}."
    return notify(
        recipients=recipients.told_of_outcome(request, actor=event.actor),
        kind=kind,
        tenant_id=tenant.pk,
        project_id=project.pk,
        key=f"approval.{status}:{request.pk}",
        subject=subject,
        sentence=sentence,
        link=reverse("project-detail", args=[project.pk]),
        event=event,
    )


def evidence_recorded(event: AuditEvent) -> list[int]:
    """Evidence for an item the client confirms, not (or no longer) accepted: the client's people who
    may accept it are told it waits for them."""
    if (event.after or {}).get("item") not in CLIENT_ACCEPTED or (event.after or {}).get("accepted"):
        return []
    evidence = GateEvidence.objects.select_related("project__tenant", "recorded_by").get(pk=event.object_id)
    project, tenant = evidence.project, evidence.project.tenant
    item = EVIDENCE_ITEMS.get(evidence.item, evidence.item)
    return notify(
        recipients=recipients.evidence_accepting(evidence, actor=event.actor),
        kind=Kind.EVIDENCE_WAITING,
        tenant_id=tenant.pk,
        project_id=project.pk,
        key=f"gate.evidence_recorded:{event.pk}",
        subject=f"Evidence to accept: {item} on {project.name}",
        sentence=(
            f"{person(evidence.recorded_by)} recorded evidence for “{item}” on {project.name}: "
            f"it counts once someone at {tenant.name} accepts it."
        ),
        detail=quoted(evidence.note),
        link=evidence_link(evidence),
        event=event,
    )


def evidence_settled(event: AuditEvent) -> list[int]:
    """Evidence accepted or withdrawn: nobody has to accept it any more, so the notices that it
    waited stop counting as unread, for everyone they went to."""
    recorded = AuditEvent.objects.filter(
        action="gate.evidence_recorded", object_type=event.object_type, object_id=event.object_id
    ).values_list("pk", flat=True)
    notifications_settled(tenant_id=event.tenant_id, keys=[f"gate.evidence_recorded:{pk}" for pk in recorded])
    return []


def webhook_disabled(event: AuditEvent) -> list[int]:
    """The client's admins are told their webhook stopped, and why."""
    endpoint = WebhookEndpoint.objects.select_related("tenant").get(pk=event.object_id)
    reason = (event.after or {}).get("reason") or endpoint.disabled_reason or "its deliveries kept failing"
    return notify(
        recipients=recipients.webhook_admins(endpoint),
        kind=Kind.WEBHOOK_DISABLED,
        tenant_id=endpoint.tenant_id,
        key=f"webhook.disabled:{event.pk}",
        subject=f"Webhook switched off: {endpoint.url}"[:200],
        sentence=(
            f"The webhook of {endpoint.tenant.name} to {endpoint.url} was switched off: {reason}. "
            "Nothing more is sent to it until someone switches it on again in the webhook settings."
        ),
        link=reverse("settings-webhook-deliveries", args=[endpoint.tenant.slug, endpoint.pk]),
        event=event,
    )


#: The audited actions that notify someone, and who handles each.
HANDLERS = {
    "approval.requested": approval_requested,
    "approval.approved": approval_closed,
    "approval.rejected": approval_closed,
    "approval.expired": approval_closed,
    "approval.cancelled": approval_closed,
    "gate.evidence_recorded": evidence_recorded,
    "gate.evidence_accepted": evidence_settled,
    "gate.evidence_withdrawn": evidence_settled,
    "webhook.disabled": webhook_disabled,
}


def inbox_link(request: ApprovalRequest) -> str:
    return f"{reverse('inbox')}#request-{request.pk}"


def evidence_link(evidence: GateEvidence) -> str:
    return f"{reverse('project-detail', args=[evidence.project_id])}#gate-{evidence.item}"


def _request(event: AuditEvent) -> ApprovalRequest:
    return ApprovalRequest.objects.select_related("project__tenant", "requested_by").get(pk=event.object_id)


def _move(request: ApprovalRequest) -> str:
    return Stage(request.target_stage).label
