"""How the project page's timeline tells the events of environments and routing."""

SIGN_OFFS = {"access_pattern": "the access pattern", "data_residency": "the data residency"}

PHRASINGS = {
    "environment.updated": lambda event, actor: f"{actor} updated the customer-cloud environment.",
    "environment.signed_off": lambda event, actor: (
        f"{actor} signed off {SIGN_OFFS.get((event.after or {}).get('kind'), 'the environment')} for the client."
    ),
    "routing.replaced": lambda event, actor: (
        f"{actor} replaced the routing rules ({len((event.after or {}).get('rules') or [])} rules now)."
    ),
}
