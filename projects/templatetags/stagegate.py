from django import template

from audit.sentences import describe, quoted
from core import figures
from core.moments import in_zone as moment_in_zone
from projects.audit_phrases import stage_move
from projects.models import DeploymentModel, HostingApproach, Stage, StageTransition
from tenancy.access import rights_phrase

register = template.Library()


@register.filter
def lowerfirst(value):
    """A sentence continued after a colon: ``Network isolation recorded`` → ``network isolation recorded``."""
    value = str(value or "")
    return value[:1].lower() + value[1:]


def _label(choices):
    labels = dict(choices)
    return lambda value: labels.get(value, value or "")


#: A stored code as its label: ``{{ assessment.target_stage|stage_label }}`` → ``Proof of concept``.
register.filter("stage_label", _label(Stage.choices))
register.filter("hosting_label", _label(HostingApproach.choices))
register.filter("deployment_label", _label(DeploymentModel.choices))


@register.filter
def usd(value, places=0):
    """Money as ``$12,345``, or ``$12,345.50`` with ``usd:2`` (``core.figures``); blank values as a dash."""
    if not figures.is_number(value):
        return "—"
    return figures.usd(value, cents=bool(int(places)))


@register.filter
def usd_price(value):
    """A unit price as ``$0.075``, at least to the cent (``core.figures``); blank values as a dash."""
    return figures.usd_price(value) if figures.is_number(value) else "—"


@register.filter
def number(value, places=None):
    """A number as ``1,250,000`` or ``2.5``; ``number:2`` to two decimals (``core.figures``). Blank
    values as a dash, anything else as it is."""
    if value is None or value == "":
        return "—"
    if not figures.is_number(value):
        return value
    return figures.number(value, places=None if places is None else int(places))


@register.filter
def in_zone(moment, tenant):
    """A moment in the client's time zone, named: ``{{ request.expires_at|in_zone:request.tenant }}``."""
    return moment_in_zone(moment, tenant.time_zone)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, or None."""
    return mapping.get(key)


@register.filter
def rights(actions) -> str:
    """What a person may do with a project, as a sentence: "You can see the project, change it and …"."""
    return f"You can {rights_phrase(actions)}."


register.filter("rights_phrase", rights_phrase)


@register.filter
def history_sentence(move) -> str:
    """A row of the stage history (``StageTransition``) as a sentence."""
    if move.kind == StageTransition.Kind.PROMOTION and move.approval_request is not None:
        return (
            f"Moved from {move.get_from_stage_display()} to {move.get_to_stage_display()} on the approval of "
            f"{move.actor}, at {move.approval_request.requested_by}'s request{quoted(move.reason)}."
        )
    return stage_move(
        kind=move.kind, actor=move.actor, from_stage=move.from_stage, to_stage=move.to_stage, reason=move.reason
    )


@register.filter
def sentence(event):
    """An audit event as the sentence people read (``audit.sentences``)."""
    return describe(event)
