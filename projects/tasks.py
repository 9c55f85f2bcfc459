"""Background work on projects. Tasks take ids (or nothing) and call the same services as the web."""

from celery import shared_task

from audit.context import audit_context
from audit.models import AuditEvent
from projects.services.approvals import approval_requests_expire


@shared_task(bind=True, name="projects.expire_approval_requests")
def expire_approval_requests(self):
    """Close the approval requests whose time has run out (scheduled by beat; idempotent)."""
    with audit_context(source=AuditEvent.Source.TASK, request_id=self.request.id or ""):
        return approval_requests_expire()
