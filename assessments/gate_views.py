"""The project page's readiness checklist and the evidence that satisfies its items.

The delivery side records and withdraws evidence; the client accepts it where the item is theirs to
confirm. Each change answers htmx with the readiness section re-drawn from a freshly stored
assessment, so the page shows the new result at once; without htmx it returns to the project page
(or, for evidence with errors, to the evidence's own page).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments import readiness
from assessments.forms import GateEvidenceForm
from assessments.models import GateEvidence
from assessments.selectors import current_evidence
from assessments.services.gates import EVIDENCE_ITEMS, evidence_accept, evidence_record, evidence_withdraw
from assessments.views import project_section
from core.forms import show_service_errors
from projects.models import Project
from tenancy.access import Action, allowed_actions, get_for_user_or_404, require

NOT_BY_EVIDENCE = "That checklist item is checked from the project's data, not by evidence."
NO_SUCH_ITEM = "The checklist has no such item."
#: Every item of the checklist, whether evidence or the project's data satisfies it.
CHECKLIST_ITEMS = frozenset(gate.key for gate in readiness.GATES)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_record_page(request, pk, item):
    """Record the evidence for one checklist item. Asked for, its form: alone for htmx (the project
    page loads it when "Record evidence" is opened), else on a page of its own, for those who may
    change the project's technical details. Posted: stored, then the readiness section re-drawn
    (htmx) or back to the project page; with errors, the section with the form open, or this page."""
    if request.method == "GET":
        project = get_for_user_or_404(
            Project.objects.select_related("tenant"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
        )
        if item not in EVIDENCE_ITEMS:
            raise Http404(NOT_BY_EVIDENCE if item in CHECKLIST_ITEMS else NO_SUCH_ITEM)
        return _evidence_form(request, project, item, GateEvidenceForm(item=item))
    project = _project(request, pk)
    if item not in CHECKLIST_ITEMS:
        raise Http404(NO_SUCH_ITEM)
    if item not in EVIDENCE_ITEMS:
        messages.error(request, NOT_BY_EVIDENCE)
        return _answer(request, project)
    try:
        # The rule first: someone who may not record is told so, not shown the form's errors.
        require(request.user, project, Action.CHANGE_TECHNICAL)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
        return _answer(request, project)
    form = GateEvidenceForm(request.POST, item=item)
    if form.is_valid():
        try:
            evidence_record(project=project, actor=request.user, item=item, **form.cleaned_data)
        except PermissionDenied as refused:
            messages.error(request, str(refused))
            return _answer(request, project)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Evidence recorded for “{EVIDENCE_ITEMS[item]}”.")
            return _answer(request, project)
    if not request.htmx:
        return _evidence_form(request, project, item, form)
    return _answer(request, project, forms={item: form})


def _evidence_form(request, project, item: str, form):
    """The evidence form of one checklist item: alone for htmx, else on its page (with the
    evidence it would replace)."""
    context = {"project": project, "item": {"key": item, "title": EVIDENCE_ITEMS[item]}, "form": form}
    if request.htmx:
        return render(request, "assessments/_evidence_form.html", {**context, "inline": True})
    context["current"] = current_evidence(user=request.user, project=project).get(item)
    return render(request, "assessments/evidence_form.html", context)


@login_required
@require_POST
def evidence_accept_page(request, pk, evidence_pk):
    project = _project(request, pk)
    evidence = _evidence(project, evidence_pk)
    return _act(request, project, lambda: evidence_accept(evidence=evidence, actor=request.user), "accepted")


@login_required
@require_POST
def evidence_withdraw_page(request, pk, evidence_pk):
    project = _project(request, pk)
    evidence = _evidence(project, evidence_pk)
    return _act(request, project, lambda: evidence_withdraw(evidence=evidence, actor=request.user), "withdrawn")


def _project(request, pk) -> Project:
    return get_for_user_or_404(Project.objects.select_related("tenant"), user=request.user, action=Action.VIEW, pk=pk)


def _evidence(project, evidence_pk) -> GateEvidence:
    """Evidence of this project only: another project's id is as unknown as a made-up one."""
    evidence = GateEvidence.objects.filter(project=project, pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    return evidence


def _act(request, project, change, done: str):
    try:
        evidence = change()
    except (PermissionDenied, ValidationError) as refused:
        messages.error(request, " ".join(getattr(refused, "messages", None) or [str(refused)]))
        return _answer(request, project)
    messages.success(request, f"Evidence for “{EVIDENCE_ITEMS[evidence.item]}” {done}.")
    return _answer(request, project)


def _answer(request, project, *, forms=None):
    """htmx: the readiness section, re-drawn; otherwise back to the project page."""
    if not request.htmx:
        return redirect("project-detail", project.pk)
    actions = allowed_actions(request.user, project)
    context = {
        "project": project,
        "actions": actions,
        **project_section(user=request.user, project=project, actions=actions, evidence_forms=forms),
    }
    return render(request, "assessments/_readiness.html", context)
