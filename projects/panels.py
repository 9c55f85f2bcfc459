"""Sections other apps add to the project page.

The project page shows where the project runs (deployments) and its readiness and costs
(assessments). Those apps build on projects, so the page cannot import them without the apps
depending on each other. Instead each registers, when Django starts (its ``AppConfig.ready``), a
function that returns its section's template context for one project; the page merges what they
return, and its template includes each app's partial. NetBox lets plugins extend object pages the
same way.
"""

from collections.abc import Callable

#: name → function(user=..., project=..., actions=...) returning that section's template context
#: (``actions``: what the user may do on the project, as ``tenancy.access.allowed_actions`` says).
_sections: dict[str, Callable[..., dict]] = {}


def project_section_register(name: str, context: Callable[..., dict]) -> None:
    """Add (or, under the same name, replace) a section of the project page."""
    _sections[name] = context


def project_sections(*, user, project, actions) -> dict:
    """The template context of every registered section, for ``project`` as ``user`` sees it."""
    context = {}
    for section in _sections.values():
        context.update(section(user=user, project=project, actions=actions))
    return context
