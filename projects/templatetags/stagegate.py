from django import template

from audit.sentences import describe
from core import figures
from core.moments import in_zone as moment_in_zone
from projects.models import DeploymentModel, HostingApproach, Stage

register = template.Library()


@register.filter
def words(value):
    """A stored code as words: ``proof_of_concept`` → ``proof of concept``."""
    return str(value or "").replace("_", " ")


def _label(choices):
    labels = dict(choices)
    return lambda value: labels.get(value, words(value))


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
def sentence(event):
    """An audit event as the sentence people read (``audit.sentences``)."""
    return describe(event)
