"""The readiness an approval request is made with, supplied by the app that assesses projects.

A promotion request keeps the project's readiness for its target stage and its latest cost
estimate, and with the policy's readiness gate on it is refused unless the project is ready. The
assessments app computes both, and it builds on this app: projects cannot import it without the
two depending on each other. So the assessing app registers a provider when Django starts
(``AssessmentsConfig.ready``) and the approval service asks through ``promotion_readiness``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PromotionReadiness:
    """A project's readiness for a target stage, evaluated from its data as it is now."""

    #: The readiness engine's status ("ready", "at_risk", "blocked"); None: no requirements to assess.
    status: str | None
    #: The status as people read it, for a refusal that has no blocking item to name.
    status_label: str = ""
    blocking: list[str] = field(default_factory=list)
    #: The latest stored assessment for the target stage, for reference.
    assessment_id: int | None = None
    #: The latest cost estimate's figures as the request keeps them; None before any estimate.
    estimate: dict | None = None


ReadinessProvider = Callable[..., PromotionReadiness]
_provider: ReadinessProvider | None = None


def readiness_provider_register(provider: ReadinessProvider) -> None:
    """Name the function that answers ``promotion_readiness`` (one per installation: the last wins)."""
    global _provider
    _provider = provider


def promotion_readiness(*, project, target_stage: str) -> PromotionReadiness:
    """``project``'s readiness for ``target_stage`` from the registered provider."""
    if _provider is None:
        raise ImproperlyConfigured("No installed app provides project readiness (the assessments app registers it).")
    return _provider(project=project, target_stage=target_stage)
