"""Before ticket keys become unique whatever their case (0006): where one client's system has the
same key more than once in different cases (AI-42 and ai-42), keep the link made first and remove
the later ones, each removal written to the audit log. Works on PostgreSQL and SQLite alike: the
grouping is the database's own ``lower()``, the one the constraint uses."""

from django.db import migrations
from django.db.models import Count, Min
from django.db.models.functions import Lower


def remove_later_duplicates(apps, schema_editor):
    TicketReference = apps.get_model("projects", "TicketReference")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    groups = (
        TicketReference.objects.annotate(normalised=Lower("key"))
        .values("tenant_id", "system", "normalised")
        .annotate(links=Count("pk"), first=Min("pk"))
        .filter(links__gt=1)
    )
    for group in groups:
        kept = TicketReference.objects.get(pk=group["first"])
        later = (
            TicketReference.objects.annotate(normalised=Lower("key"))
            .filter(tenant_id=group["tenant_id"], system=group["system"], normalised=group["normalised"])
            .exclude(pk=kept.pk)
            .order_by("pk")
        )
        for ticket in later:
            AuditEvent.objects.create(
                tenant_id=ticket.tenant_id,
                actor=None,
                actor_name="system",
                action="ticket.unlinked",
                object_type="projects.ticketreference",
                object_id=str(ticket.pk),
                object_repr=ticket.key[:200],
                project_id=ticket.project_id,
                before={"system": ticket.system, "key": ticket.key, "url": ticket.url},
                after={
                    "reason": "Ticket keys are unique whatever their case: this key was linked already.",
                    "kept": {"key": kept.key, "project": kept.project_id},
                },
                source="system",
                request_id="",
            )
            ticket.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_profile_plausible_limits"),
        ("audit", "0002_tenant_in_tenancy"),
    ]

    operations = [migrations.RunPython(remove_later_duplicates, migrations.RunPython.noop)]
