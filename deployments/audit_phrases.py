"""How the project page's timeline tells the events of environments and routing."""

from core.wording import listed
from deployments.forms import environment_labels

SIGN_OFFS = {"access_pattern": "the access pattern", "data_residency": "the data residency"}


def _signed_off(event, actor) -> str:
    after = event.after or {}
    what = SIGN_OFFS.get(after.get("kind"), "the environment")
    relayed = f", relayed by {after['relayed_by']}" if after.get("relayed_by") else ""
    return f"{actor} signed off {what} for the client{relayed}."


def _environment_updated(event, actor) -> str:
    before, after = event.before or {}, event.after or {}
    changed = [name for name in after if before.get(name) != after.get(name)]
    labels = [f"“{label}”" for label in environment_labels(changed)]
    return f"{actor} changed the client's environment{': ' + listed(labels) if labels else ''}."


PHRASINGS = {
    "environment.updated": _environment_updated,
    "environment.signed_off": _signed_off,
    "routing.replaced": lambda event, actor: (
        f"{actor} replaced the routing rules ({len((event.after or {}).get('rules') or [])} rules now)."
    ),
}
