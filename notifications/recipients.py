"""Who is told what. Each answer is people only (no service accounts: they read no notifications),
active, and able to see the project the notification is about; the rules of who may decide or
accept are the rooms' own selectors, not restated here."""

from django.db.models import Q

from accounts.models import User
from assessments.models import GateEvidence
from assessments.selectors import evidence_acceptors
from projects.models import ApprovalRequest, Project
from projects.selectors import approval_deciders
from tenancy.access import Action, holders
from webhooks.models import WebhookEndpoint


def people():
    return User.objects.filter(is_active=True, kind=User.Kind.PERSON)


def who_may_see(project: Project):
    """Everyone who may see ``project``: a role in its tenant, a grant on it, or platform admins."""
    return people().filter(Q(pk__in=holders(project, Action.VIEW).values("pk")) | Q(is_platform_admin=True))


def approvers_waited_for(request: ApprovalRequest) -> list[User]:
    """The people who may still decide ``request``, never the one who asked (even where the policy lets
    them approve: they know already)."""
    return [
        user
        for user in approval_deciders(request)
        if user.pk != request.requested_by_id and user.is_active and user.kind == User.Kind.PERSON
    ]


def told_of_outcome(request: ApprovalRequest, *, actor) -> list[User]:
    """The requester and the project's delivery lead, other than whoever closed the request."""
    wanted = {request.requested_by_id, request.project.delivery_lead_id} - {None, getattr(actor, "pk", None)}
    return list(who_may_see(request.project).filter(pk__in=wanted).order_by("pk"))


def evidence_accepting(evidence: GateEvidence, *, actor) -> list[User]:
    """The client's people who may accept the evidence, other than whoever recorded it."""
    acceptors = evidence_acceptors(project=evidence.project)
    return list(people().filter(pk__in=acceptors.values("pk")).exclude(pk=getattr(actor, "pk", None)).order_by("pk"))


def evidence_keepers(evidence: GateEvidence) -> list[User]:
    """Who recorded the evidence and who leads the project."""
    wanted = {evidence.recorded_by_id, evidence.project.delivery_lead_id} - {None}
    return list(who_may_see(evidence.project).filter(pk__in=wanted).order_by("pk"))


def webhook_admins(endpoint: WebhookEndpoint) -> list[User]:
    """The customer admins of the webhook's client: those who manage its webhooks."""
    return list(people().filter(pk__in=holders(endpoint, Action.MANAGE).values("pk")).order_by("pk"))
