"""How the project page's timeline tells the events of projects, approvals and their settings."""

from django.forms.utils import pretty_name

from audit.sentences import quoted
from core.wording import listed
from projects.forms import ProfileForm, ProjectEditForm
from projects.models import MOVE_PHRASES, DeploymentModel, Stage
from tenancy.models import Role

STAGES = dict(Stage.choices)
ROLES = dict(Role.choices)


def _stage(value) -> str:
    return STAGES.get(value) or "its next stage"


def _grantee(values) -> str:
    values = values or {}
    return f"the group {values['group']}" if values.get("group") else str(values.get("user") or "someone")


def _role(values) -> str:
    role = (values or {}).get("role")
    return ROLES.get(role, "").lower() or "a"


def _changed_fields(event) -> list[str]:
    before, after = event.before or {}, event.after or {}
    return [name for name in after if before.get(name) != after.get(name)] or list(after)


def _labels(form_class, names) -> list[str]:
    """The fields as the form that edits them names them (the one place their labels live)."""
    fields = form_class.base_fields
    return [str(fields[name].label or pretty_name(name)) if name in fields else pretty_name(name) for name in names]


def _changed(what: str, form_class):
    """The phrasing of an edit, naming the fields changed as their form labels them: Lee Lead changed
    the requirements: “Monthly requests” and “Peak-to-average ratio”."""

    def phrasing(event, actor) -> str:
        labels = listed(f"“{label}”" for label in _labels(form_class, _changed_fields(event)))
        return f"{actor} changed {what}{': ' + labels if labels else ''}."

    return phrasing


def _decided(event, actor) -> str:
    after = event.after or {}
    verb = "approved" if after.get("verdict") == "approve" else "rejected"
    side = f" ({after['side']} side)" if after.get("side") else ""
    target = f"the move to {_stage(after['target_stage'])}" if after.get("target_stage") else "the move"
    relayed = f", relayed by {after['relayed_by']}" if after.get("relayed_by") else ""
    return f"{actor}{side} {verb} {target}{relayed}{quoted(after.get('comment'))}."


def stage_move(*, kind, actor, from_stage, to_stage, reason="") -> str:
    """A move by someone's hand as a sentence: "Lee Lead rolled the project back from Production to
    Rollout: “Error rate doubled”." (The timeline and the stage history say it alike.)"""
    phrase = MOVE_PHRASES.get(kind, MOVE_PHRASES["promotion"])
    return f"{actor} {phrase.format(from_stage=_stage(from_stage), to_stage=_stage(to_stage))}{quoted(reason)}."


def _stage_changed(event, actor) -> str:
    before, after = event.before or {}, event.after or {}
    if after.get("kind") == "promotion":
        return (
            f"The project moved from {_stage(before.get('stage'))} to {_stage(after.get('stage'))} with its approval."
        )
    return stage_move(
        kind=after.get("kind"),
        actor=actor,
        from_stage=before.get("stage"),
        to_stage=after.get("stage"),
        reason=after.get("reason"),
    )


PHRASINGS = {
    "project.created": lambda event, actor: f"{actor} created the project.",
    "project.updated": _changed("the project", ProjectEditForm),
    "project.profile_updated": _changed("the requirements", ProfileForm),
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
