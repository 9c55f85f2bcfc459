"""Writes on projects, their requirements profile, evidence, tickets, and who may reach one project."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from audit.services import audit_record, changes, snapshot
from core.validators import errors_within
from projects.models import (
    TECHNICAL_FIELDS,
    EvidenceLink,
    Project,
    RequirementsProfile,
    TicketReference,
)
from projects.selectors import lead_candidates, tickets_by_key
from projects.services.access import PROJECT_ACTIONS, project_access_grant, project_access_revoke  # noqa: F401 (their home before)
from projects.signals import project_inputs_changed
from tenancy.access import Action, can, require, require_any
from tenancy.models import Tenant

#: Project fields a person may set with ``project_update``; the deployment model has its own
#: service (``deployments.services.deployment_model_switch``) and the stage its state machine.
EDITABLE_FIELDS = frozenset({"name", "code", "description", "delivery_lead", "workload_type", "hosting_approach"})
TECHNICAL_PROJECT_FIELDS = frozenset({"hosting_approach"})
PROFILE_FIELDS = frozenset(
    field.name
    for field in RequirementsProfile._meta.concrete_fields
    if field.name not in {"id", "tenant", "project", "updated_at"}
)


#: The answer to a value (a ticket key, a project code) that is taken by something the caller may
#: not see: one sentence for every such conflict, naming nothing and hinting at nothing.
TAKEN_UNSEEN = "This value cannot be used here: choose another."
#: The answer to a delivery lead outside ``lead_candidates``.
LEAD_REFUSED = "Choose a delivery lead of this client, or someone granted that role here."


#: What a name that is no field of the requirements profile is told (by the services and the API).
PROFILE_UNKNOWN = "Not a field of the requirements profile."


@transaction.atomic
def project_create(
    *,
    tenant: Tenant,
    actor: User | None = None,
    profile: dict | None = None,
    tickets: list[dict] | None = None,
    **fields,
) -> Project:
    """Create a project with its requirements profile and ticket links (``{"system", "key", "url"}``
    each, linked by ``ticket_link``): all or nothing, a refused ticket creates no project and is
    reported as ``tickets.<index>.<field>``, a refused answer of the profile as ``profile.<field>``.
    ``actor`` None: the system (demo data, imports)."""
    if actor is not None:
        require(actor, tenant, Action.CHANGE)
    unknown = set(fields) - EDITABLE_FIELDS - {"deployment_model"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be set here."))
    project = Project(tenant=tenant, **fields)
    _refuse_a_used_code(project, actor)
    project.full_clean()
    if project.delivery_lead is None and actor is not None and not actor.is_platform_admin:
        project.delivery_lead = actor
    project.save()
    requirements = _profile_checked(RequirementsProfile(tenant=tenant, project=project), profile or {})
    requirements.save()
    linked = []
    for index, ticket in enumerate(tickets or []):
        unknown = set(ticket) - {"system", "key", "url"}
        if unknown:
            raise ValidationError(
                {f"tickets.{index}.{name}": "A ticket has only a system, a key and a url." for name in sorted(unknown)}
            )
        try:
            linked.append(
                _link_ticket(project=project, actor=actor, audited=False, **{"system": "", "key": "", **ticket})
            )
        except ValidationError as error:
            raise ValidationError(
                {f"tickets.{index}.{field}": messages for field, messages in error.error_dict.items()}
            ) from None
    # Recorded once its tickets are linked: the project.created webhook carries their keys.
    audit_record(action="project.created", obj=project, actor=actor, after=_project_state(project, requirements))
    for ticket in linked:
        _ticket_linked(ticket, actor)
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return project


@transaction.atomic
def project_update(*, project: Project, actor: User, **fields) -> Project:
    """Change project fields. Engineers may change only the technical ones (``Action.CHANGE_TECHNICAL``).

    Permission comes first: a caller who may change nothing is refused before any value is
    checked, and the right the changed fields need before their values are validated.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    require_any(actor, project, Action.CHANGE, Action.CHANGE_TECHNICAL)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    lead = fields.get("delivery_lead")
    # Judged against the project as it is (whoever leads it now may stay), reported after the permission check.
    lead_refused = (
        lead is not None
        and lead.pk != project.delivery_lead_id
        and not lead_candidates(project).filter(pk=lead.pk).exists()
    )
    before = snapshot(project, fields=list(fields))
    for name, value in fields.items():
        setattr(project, name, value)
    after = snapshot(project, fields=list(fields))
    before, after = changes(before, after)
    if not after:
        return project
    require(actor, project, Action.CHANGE_TECHNICAL if set(after) <= TECHNICAL_PROJECT_FIELDS else Action.CHANGE)
    if lead_refused:
        raise ValidationError({"delivery_lead": LEAD_REFUSED})
    _refuse_a_used_code(project, actor)
    project.full_clean()
    project.save()
    audit_record(action="project.updated", obj=project, actor=actor, before=before, after=after)
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return project


@transaction.atomic
def profile_update(*, project: Project, actor: User, **fields) -> RequirementsProfile:
    """Change the requirements profile. Engineers may change only ``TECHNICAL_FIELDS``.

    Permission comes first, as in ``project_update``.
    """
    Project.objects.select_for_update().filter(pk=project.pk).first()
    require_any(actor, project, Action.CHANGE, Action.CHANGE_TECHNICAL)
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), PROFILE_UNKNOWN))
    requirements = RequirementsProfile.objects.get(project=project)
    before = snapshot(requirements, fields=list(fields))
    for name, value in fields.items():
        setattr(requirements, name, value)
    after = snapshot(requirements, fields=list(fields))
    before, after = changes(before, after)
    if not after:
        return requirements
    require(actor, project, Action.CHANGE_TECHNICAL if set(after) <= TECHNICAL_FIELDS else Action.CHANGE)
    requirements.full_clean()
    requirements.save()
    audit_record(action="project.profile_updated", obj=project, actor=actor, before=before, after=after)
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return requirements


@transaction.atomic
def evidence_add(*, project: Project, actor: User, kind: str, title: str, url: str = "", reference: str = ""):
    require(actor, project, Action.CHANGE_TECHNICAL)
    link = EvidenceLink(
        tenant_id=project.tenant_id, project=project, kind=kind, title=title, url=url, reference=reference
    )
    link.full_clean()
    link.save()
    audit_record(
        action="evidence.added", obj=link, actor=actor, after=snapshot(link, ["kind", "title", "url", "reference"])
    )
    return link


@transaction.atomic
def evidence_remove(*, link: EvidenceLink, actor: User) -> None:
    require(actor, link.project, Action.CHANGE_TECHNICAL)
    audit_record(
        action="evidence.removed", obj=link, actor=actor, before=snapshot(link, ["kind", "title", "url", "reference"])
    )
    link.delete()


@transaction.atomic
def ticket_link(*, project: Project, actor: User | None, system: str, key: str, url: str = "") -> TicketReference:
    """Link a ticket of ``system`` to the project. A key is unique within the client and system
    whatever its case: a key linked already is refused on ``key``, naming its project only if
    ``actor`` may see that project (``TAKEN_UNSEEN`` otherwise). ``actor`` None: the system."""
    if actor is not None:
        require(actor, project, Action.CHANGE_TECHNICAL)
    return _link_ticket(project=project, actor=actor, system=system, key=key, url=url)


def _link_ticket(
    *, project: Project, actor: User | None, system: str, key: str, url: str = "", audited: bool = True
) -> TicketReference:
    """``ticket_link`` once its permission is settled (by the caller of ``project_create``, for a new
    project, which records the link after the project's creation: ``audited`` False)."""
    ticket = TicketReference(tenant_id=project.tenant_id, project=project, system=system, key=key.strip(), url=url)
    ticket.full_clean(validate_constraints=False)
    _refuse_a_linked_ticket(ticket, actor)
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        # Linked by someone else between the check and the save: answered as that check would now.
        _refuse_a_linked_ticket(ticket, actor)
        raise
    if audited:
        _ticket_linked(ticket, actor)
    return ticket


def _ticket_linked(ticket: TicketReference, actor: User | None) -> None:
    audit_record(action="ticket.linked", obj=ticket, actor=actor, after=snapshot(ticket, ["system", "key", "url"]))


def _refuse_a_linked_ticket(ticket: TicketReference, actor: User | None) -> None:
    linked = (
        tickets_by_key(ticket.key, queryset=TicketReference.objects.filter(tenant_id=ticket.tenant_id))
        .filter(system=ticket.system)
        .select_related("project")
        .first()
    )
    if linked is None:
        return
    if linked.project_id == ticket.project_id:
        message = f"{linked.key} is linked to this project already."
    elif _may_see(actor, linked.project):
        message = f"{linked.key} is linked to project {linked.project} already: choose another ticket."
    else:
        message = TAKEN_UNSEEN
    raise ValidationError({"key": ValidationError(message, code="unique")})


@transaction.atomic
def ticket_unlink(*, ticket: TicketReference, actor: User) -> None:
    """Remove a ticket link (the ticket itself lives on in its system)."""
    require(actor, ticket.project, Action.CHANGE_TECHNICAL)
    audit_record(action="ticket.unlinked", obj=ticket, actor=actor, before=snapshot(ticket, ["system", "key", "url"]))
    ticket.delete()


def _refuse_a_used_code(project: Project, actor: User | None) -> None:
    """A code is unique within its client: said on the code field, not as an error of the whole
    form, naming the other project only to someone who may see it."""
    taken = Project.objects.filter(tenant_id=project.tenant_id, code=project.code).exclude(pk=project.pk).first()
    if project.code and taken is not None:
        message = (
            f"This client has a project {project.code} already: choose another code."
            if _may_see(actor, taken)
            else TAKEN_UNSEEN
        )
        raise ValidationError({"code": ValidationError(message, code="unique")})


def _may_see(actor: User | None, project: Project) -> bool:
    return actor is None or can(actor, project, Action.VIEW)


def _profile_checked(requirements: RequirementsProfile, profile: dict) -> RequirementsProfile:
    """The new project's profile with ``profile``'s answers, a refused one named ``profile.<field>``
    (the argument that carried it)."""
    unknown = set(profile) - PROFILE_FIELDS
    try:
        if unknown:
            raise ValidationError(dict.fromkeys(sorted(unknown), PROFILE_UNKNOWN))
        for name, value in profile.items():
            setattr(requirements, name, value)
        requirements.full_clean()
    except ValidationError as error:
        raise errors_within(error, "profile") from None
    return requirements


def _project_state(project, requirements) -> dict:
    return {
        **snapshot(project, ["name", "code", "workload_type", "deployment_model", "hosting_approach", "stage"]),
        "profile": snapshot(requirements, sorted(PROFILE_FIELDS)),
    }
