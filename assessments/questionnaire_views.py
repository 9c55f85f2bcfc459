"""The requirements questionnaire's side panel: what the answers given so far, saved or not, rule in
or out, by the readiness engine's own rules.

The questionnaire (``projects.views.project_profile``) asks this panel by htmx as the lead answers,
sending the whole form in the query string. Nothing is stored: it is a read, answered for any input,
with the fields' errors where an answer is refused.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.services.assessments import assessment_result
from assessments.services.evaluation import readiness_now
from assessments.views import fit_rows
from projects.forms import profile_form
from projects.models import Project
from projects.profile_warnings import profile_warnings
from tenancy.access import Action, get_for_user_or_404


@dataclass(frozen=True)
class Unsaved:
    """An assessment made now and not stored, shaped as ``fit_rows`` reads a stored one."""

    result: dict
    recommended_hosting: str
    recommended_deployment: str


@login_required
@require_GET
def requirements_consequences(request, pk):
    project = get_for_user_or_404(
        Project.objects.select_related("tenant", "profile"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
    )
    form = profile_form(request.GET or None, project=project, user=request.user)
    if form.is_bound:
        form.is_valid()
        answers = form.answered()
    else:
        answers = project.profile
    assessment = readiness_now(project=project, profile=answers)
    fits = []
    if assessment is not None:
        fits = fit_rows(
            Unsaved(assessment_result(assessment), assessment.recommended_hosting, assessment.recommended_deployment)
        )
    return render(
        request,
        "assessments/_requirements_consequences.html",
        {
            "project": project,
            "form": form,
            "errors": _errors(form),
            "fits": fits,
            "warnings": profile_warnings(answers),
        },
    )


def _errors(form) -> list[dict]:
    """Each refused answer with its field's label and a link to its input (a choice's first option)."""
    if not form.is_bound:
        return []
    errors = []
    for name, messages in form.errors.items():
        if name not in form.fields:
            errors.append({"label": "", "anchor": "", "messages": messages})
            continue
        field = form[name]
        several = getattr(field.field.widget, "allow_multiple_selected", False) or field.widget_type == "radioselect"
        errors.append(
            {"label": field.label, "anchor": f"{field.auto_id}_0" if several else field.auto_id, "messages": messages}
        )
    return errors
