"""How the project page's timeline tells the events of environments and routing."""

SIGN_OFFS = {"access_pattern": "the access pattern", "data_residency": "the data residency"}


def _signed_off(event, actor) -> str:
    after = event.after or {}
    what = SIGN_OFFS.get(after.get("kind"), "the environment")
    relayed = f", relayed by {after['relayed_by']}" if after.get("relayed_by") else ""
    return f"{actor} signed off {what} for the client{relayed}."


PHRASINGS = {
    "environment.updated": lambda event, actor: f"{actor} updated the customer-cloud environment.",
    "environment.signed_off": _signed_off,
    "routing.replaced": lambda event, actor: (
        f"{actor} replaced the routing rules ({len((event.after or {}).get('rules') or [])} rules now)."
    ),
}
