"""Audit events as sentences people read ("Priya Shah rejected the move to Rollout: “DPIA missing”").

The audit log stores codes (``project.stage_changed``) and the API and the CSV export keep them;
pages show sentences. Each room knows how to tell its own events, so each registers its phrasings
when Django starts (its ``AppConfig.ready``); audit knows none of them. An event nobody phrased
still reads as a sentence, made from its code.
"""

from collections.abc import Callable

#: A phrasing takes the event and who did it (a name, or "Stagegate" for the platform's own work)
#: and returns the whole sentence.
Phrasing = Callable[[object, str], str]

_phrasings: dict[str, Phrasing] = {}

#: Who did what the platform does by itself (expiry, scheduled re-evaluation).
PLATFORM = "Stagegate"


def phrasings_register(phrasings: dict[str, Phrasing]) -> None:
    _phrasings.update(phrasings)


def describe(event) -> str:
    """``event`` as one sentence. Who did it reads as their name when the event was loaded with its
    actor (``select_related("actor")``), else as the username the log kept."""
    actor = _who(event)
    phrasing = _phrasings.get(event.action)
    if phrasing is not None:
        return phrasing(event, actor)
    subject, _, verb = event.action.partition(".")
    return f"{actor}: {subject.replace('_', ' ')} {verb.replace('_', ' ')}.".replace("  ", " ")


def _who(event) -> str:
    if type(event).actor.field.is_cached(event) and event.actor is not None:
        return str(event.actor)
    return PLATFORM if event.actor_name in ("", "system") else event.actor_name


def quoted(text) -> str:
    """A person's words in a sentence: ': “…”', or nothing when there are none."""
    text = str(text or "").strip()
    return f": “{text}”" if text else ""
