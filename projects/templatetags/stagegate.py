from django import template

from audit.sentences import describe
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
def sentence(event):
    """An audit event as the sentence people read (``audit.sentences``)."""
    return describe(event)
