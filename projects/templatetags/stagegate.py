from django import template

from audit.sentences import describe, quoted
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
    """Money as ``USD 12,345`` (``places`` decimals); blank values as a dash."""
    if value is None or value == "":
        return "—"
    return f"USD {float(value):,.{int(places)}f}"


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
