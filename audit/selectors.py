"""Reads of the audit log."""

from functools import cache

from django.db.models import BigIntegerField

from audit.models import AuditEvent
from core.compiled import CompiledQuery, Parameter


def project_timeline(project, *, limit: int) -> list[AuditEvent]:
    """The latest ``limit`` events of ``project``, newest first, each with who made it: the project
    page's timeline, for a reader who may view the project. Its SQL is compiled once per connection
    (``core.compiled``): compiling it took longer than the database takes to answer it."""
    return _timeline(limit).run(tenant=project.tenant_id, project=project.pk)


@cache
def _timeline(limit: int) -> CompiledQuery:
    return CompiledQuery(
        lambda: AuditEvent.objects.filter(
            tenant_id=Parameter("tenant", BigIntegerField()), project_id=Parameter("project", BigIntegerField())
        ).select_related("actor")[:limit]
    )
