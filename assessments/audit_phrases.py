"""How the timelines tell the events of gate evidence, cost plans, a client's cost defaults and
the catalog's provider certifications."""

from assessments.readiness.certifications import CERTIFICATIONS
from assessments.services.gates import EVIDENCE_ITEMS
from audit.sentences import quoted


def _item(event) -> str:
    item = (event.after or event.before or {}).get("item", "")
    return f"“{EVIDENCE_ITEMS.get(item, item.replace('_', ' '))}”"


def _certification(event) -> str:
    row = event.after or event.before or {}
    code = row.get("certification", "")
    where = f" in {row['region']}" if row.get("region") else ""
    return f"{row.get('provider_name') or row.get('provider', '')} holds the {CERTIFICATIONS.get(code, code)}{where}"


PHRASINGS = {
    "gate.evidence_recorded": lambda event, actor: (
        f"{actor} recorded evidence for {_item(event)}{quoted((event.after or {}).get('note'))}."
    ),
    "gate.evidence_accepted": lambda event, actor: f"{actor} accepted the evidence for {_item(event)} for the client.",
    "gate.evidence_withdrawn": lambda event, actor: f"{actor} withdrew the evidence for {_item(event)}.",
    "project.cost_profile_updated": lambda event, actor: f"{actor} changed the cost plan.",
    "tenant.cost_defaults_updated": lambda event, actor: f"{actor} changed the client's cost-plan defaults.",
    "catalog.certification_recorded": lambda event, actor: f"{actor} recorded that {_certification(event)}.",
    "catalog.certification_rechecked": lambda event, actor: f"{actor} re-checked that {_certification(event)}.",
    "catalog.certification_removed": lambda event, actor: f"{actor} removed the record that {_certification(event)}.",
}
