"""What an approver reads before deciding: the decision summary of an approval request.

It joins what the request knows (the move, the policy and the decisions so far, the snapshot taken
when it was asked) with what only the rooms above projects know: where the system runs
(deployments), its readiness and cost now (assessments). So, as with ``projects.panels``, the
assessing app registers the function that builds summaries when Django starts
(``AssessmentsConfig.ready``) and the inbox and the project page ask through ``decision_summaries``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class DecisionSummary:
    """One request, in sentences an approver reads."""

    move: str
    where: str
    hosting: str
    readiness: str
    cost: str
    progress: list[str]
    expires: str
    asked: str
    #: How the project stood when the request was made.
    when_asked: str = ""
    #: What has changed since then, e.g. "readiness was At risk, now Ready", "cost +18%".
    changes: list[str] = field(default_factory=list)
    #: The checklist items that do not pass for the target stage.
    failing: list[str] = field(default_factory=list)
    #: A platform admin's override of a change freeze for this request, with its reason.
    freeze: str = ""


SummaryProvider = Callable[[list], dict[int, DecisionSummary]]
_provider: SummaryProvider | None = None


def summary_provider_register(provider: SummaryProvider) -> None:
    """Name the function that answers ``decision_summaries`` (one per installation: the last wins)."""
    global _provider
    _provider = provider


def decision_summaries(requests) -> dict[int, DecisionSummary]:
    """The summary of each request, by request id, in a fixed number of queries for the batch."""
    if _provider is None:
        raise ImproperlyConfigured("No decision summary provider: is the assessments app installed?")
    return _provider(list(requests))
