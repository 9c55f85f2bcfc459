"""How the timelines tell the events of gate evidence, cost plans and a client's cost defaults."""

from assessments.services.gates import EVIDENCE_ITEMS
from audit.sentences import quoted


def _item(event) -> str:
    item = (event.after or event.before or {}).get("item", "")
    return f"“{EVIDENCE_ITEMS.get(item, item.replace('_', ' '))}”"


PHRASINGS = {
    "gate.evidence_recorded": lambda event, actor: (
        f"{actor} recorded evidence for {_item(event)}{quoted((event.after or {}).get('note'))}."
    ),
    "gate.evidence_accepted": lambda event, actor: f"{actor} accepted the evidence for {_item(event)} for the client.",
    "gate.evidence_withdrawn": lambda event, actor: f"{actor} withdrew the evidence for {_item(event)}.",
    "project.cost_profile_updated": lambda event, actor: f"{actor} changed the cost plan.",
    "tenant.cost_defaults_updated": lambda event, actor: f"{actor} changed the client's cost-plan defaults.",
}
