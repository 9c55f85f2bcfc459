"""How the project page's timeline tells the events of projects, approvals and their settings."""

from audit.sentences import quoted
from projects.models import DeploymentModel, Stage

STAGES = dict(Stage.choices)


def _stage(value) -> str:
    return STAGES.get(value, str(value or "").replace("_", " ") or "its next stage")


def _grantee(values) -> str:
    values = values or {}
    return f"the group {values['group']}" if values.get("group") else str(values.get("user") or "someone")


def _role(values) -> str:
    return str((values or {}).get("role") or "").replace("_", " ")


def _changed(event) -> str:
    before, after = event.before or {}, event.after or {}
    names = [name for name in after if before.get(name) != after.get(name)] or list(after)
    return ", ".join(name.replace("_", " ") for name in names) or "its details"


def _decided(event, actor) -> str:
    after = event.after or {}
    verb = "approved" if after.get("verdict") == "approve" else "rejected"
    side = f" ({after['side']} side)" if after.get("side") else ""
    target = f"the move to {_stage(after['target_stage'])}" if after.get("target_stage") else "the move"
    relayed = f", relayed by {after['relayed_by']}" if after.get("relayed_by") else ""
    return f"{actor}{side} {verb} {target}{relayed}{quoted(after.get('comment'))}."


def _stage_changed(event, actor) -> str:
    before, after = event.before or {}, event.after or {}
    move = f"from {_stage(before.get('stage'))} to {_stage(after.get('stage'))}"
    kind = after.get("kind")
    if kind == "promotion":
        return f"The project moved {move} with its approval."
    verb = {"rollback": "rolled the project back", "pause": "paused the project", "retirement": "retired the project"}
    return f"{actor} {verb.get(kind, 'moved the project')} ({move}){quoted(after.get('reason'))}."


PHRASINGS = {
    "project.created": lambda event, actor: f"{actor} created the project.",
    "project.updated": lambda event, actor: f"{actor} changed the project's {_changed(event)}.",
    "project.profile_updated": lambda event, actor: f"{actor} changed the requirements ({_changed(event)}).",
    "project.stage_changed": _stage_changed,
    "approval.requested": lambda event, actor: (
        f"{actor} asked to move the project from {_stage((event.after or {}).get('from_stage'))} "
        f"to {_stage((event.after or {}).get('target_stage'))}{quoted((event.after or {}).get('note'))}."
    ),
    "approval.decided": _decided,
    "approval.approved": lambda event, actor: "The request was approved: every approval it needed was given.",
    "approval.rejected": lambda event, actor: "The request was closed as rejected.",
    "approval.expired": lambda event, actor: "The request expired without a decision.",
    "approval.cancelled": lambda event, actor: (
        f"{actor} withdrew the request."
        if not (event.after or {}).get("reason")
        else f"The request was cancelled{quoted((event.after or {}).get('reason'))}."
    ),
    "approval.freeze_overridden": lambda event, actor: (
        f"{actor} let the request through the change freeze{quoted((event.after or {}).get('reason'))}."
    ),
    "evidence.added": lambda event, actor: f"{actor} linked evidence “{(event.after or {}).get('title', '')}”.",
    "evidence.removed": lambda event, actor: (
        f"{actor} removed the evidence link “{(event.before or {}).get('title', '')}”."
    ),
    "ticket.linked": lambda event, actor: f"{actor} linked ticket {(event.after or {}).get('key', '')}.",
    "ticket.unlinked": lambda event, actor: f"{actor} unlinked ticket {(event.before or {}).get('key', '')}.",
    "access.project_granted": lambda event, actor: (
        f"{actor} gave {_grantee(event.after)} the {_role(event.after)} role on this project"
        + (f" (before: {_role(event.before)})." if (event.before or {}).get("role") else ".")
    ),
    "access.project_revoked": lambda event, actor: (
        f"{actor} took back {_grantee(event.before)}'s rights on this project"
        + (f" (the {_role(event.before)} role)." if (event.before or {}).get("role") else ".")
    ),
    "project.deployment_model_changed": lambda event, actor: (
        f"{actor} changed where the project runs: "
        f"{dict(DeploymentModel.choices).get((event.after or {}).get('deployment_model'), 'changed').lower()}."
    ),
}
