"""The price catalog pages, for platform admins: API prices in force and their history, GPU prices
and throughput, on-premises hardware, and importing the bundled prices as a job the page follows.
Everyone else is refused (403) and sees no link to them.

And a project's assessment and costs: the project page's section of them (registered with
``projects.panels`` by ``AssessmentsConfig.ready``), and running them as a job the page follows.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from assessments import readiness
from assessments.charts import cost_chart
from assessments.cost_summary import cost_summary
from assessments.forms import COST_PLAN_LABELS, CatalogSearchForm, CostPlanForm
from assessments.jobs import QueueUnavailable, job_request
from assessments.models import CostProfile, Job
from assessments.selectors import (
    assessment_history,
    current_evidence,
    estimate_history,
    gpu_prices_in_force,
    hardware_profiles,
    job_for,
    may_accept_evidence,
    price_history,
    price_import_jobs,
    prices_in_force,
    throughput_profiles,
)
from assessments.services.cost_plans import (
    PLAN_INPUTS,
    cost_plan_of,
    cost_plan_update,
    plan_inputs,
    plan_origins,
    plan_value_shown,
)
from assessments.services.gates import EVIDENCE_ITEMS
from assessments.tasks import price_import_request, recalculate_costs
from core.forms import edit_status, show_service_errors
from projects.models import Project
from projects.services.stages import lock_project
from tenancy.access import Action, allowed_actions, get_for_user_or_404

PAGE_SIZE = 50


def platform_admin_required(view):
    @wraps(view)
    @login_required
    def checked(request, *args, **kwargs):
        if not request.user.is_platform_admin:
            raise PermissionDenied("The price catalog is for platform admins.")
        return view(request, *args, **kwargs)

    return checked


@platform_admin_required
def catalog(request):
    form = CatalogSearchForm(request.GET)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(prices_in_force(search=search), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/catalog.html",
        {"form": form, "search": search, "page": page, "job": price_import_jobs().first()},
    )


@platform_admin_required
def price_history_page(request, provider, model):
    prices = list(price_history(provider=provider, model=model))
    if not prices:
        raise Http404("No such model in the price catalog.")
    in_force = prices_in_force().filter(provider=provider, model=model).first()
    return render(
        request,
        "assessments/price_history.html",
        {"provider": provider, "model": model, "prices": prices, "in_force": in_force, "now": timezone.now()},
    )


@platform_admin_required
def gpus(request):
    return render(
        request,
        "assessments/gpus.html",
        {"gpus": gpu_prices_in_force(), "throughput": throughput_profiles()},
    )


@platform_admin_required
def hardware(request):
    return render(request, "assessments/hardware.html", {"servers": hardware_profiles()})


@platform_admin_required
@require_POST
def price_import(request):
    """Queue an import of the bundled prices; with htmx the page follows the job in place."""
    try:
        job = price_import_request(actor=request.user)
    except QueueUnavailable as unavailable:
        job = unavailable.job
    if request.htmx:
        return render(request, "assessments/_import_job.html", {"job": job})
    messages.info(request, "Import of the bundled prices asked for; this page shows how it went.")
    return redirect("catalog")


@platform_admin_required
def price_import_status(request, pk):
    job = get_object_or_404(price_import_jobs(), pk=pk)
    return render(request, "assessments/_import_job.html", {"job": job})


def project_section(*, user, project, actions=None, evidence_forms=None, cost_plan_form=None) -> dict:
    """The project page's readiness and cost sections: the latest assessments and estimates the
    user may see, the checklist of the latest assessment with the evidence of each item, the
    chart of the latest estimate, and the cost plan in force. Of the forms, only those given (that
    came back with errors) are drawn: the page loads a fresh one when it is opened."""
    assessments = assessment_history(user=user, project=project, limit=10)
    estimates = estimate_history(user=user, project=project, limit=10)
    return {
        **cost_plan_section(project, form=cost_plan_form),
        "assessment": assessments[0] if assessments else None,
        "checklist": checklist_rows(
            assessments[0] if assessments else None,
            current_evidence(user=user, project=project),
            evidence_forms or {},
            may_accept=may_accept_evidence(user, project, actions=actions),
        ),
        "fits": fit_rows(assessments[0] if assessments else None),
        "assessments": assessments,
        "estimate": estimates[0] if estimates else None,
        "estimates": estimates,
        "cost_chart": cost_chart(estimate=estimates[0] if estimates else None),
        "cost_summary": cost_summary(estimate=estimates[0] if estimates else None),
    }


def cost_plan_section(project, *, form=None, with_form: bool = False) -> dict:
    """The cost plan in force, field by field in words (with where each value comes from), and
    its form: the one given (with its errors), else a fresh one if ``with_form``, else none (the
    project page loads it when it is opened). One query."""
    profile, in_force = cost_plan_of(project)
    plan, values = plan_inputs(profile), plan_inputs(in_force)
    origins = plan_origins(in_force)
    rows = [
        {
            "label": COST_PLAN_LABELS[name],
            "value": plan_value_shown(name, values[name]),
            "origin": origins[name],
        }
        for name in PLAN_INPUTS
        if name != "hybrid_api_percent"
    ]
    return {
        "cost_plan_rows": rows,
        "cost_plan_form": form
        or (
            CostPlanForm(plan=plan, in_force=values, origins=origins, edited=_plan_edited(project, profile))
            if with_form
            else None
        ),
    }


def _plan_edited(project, profile) -> CostProfile:
    """What the cost plan form edits: the project's plan, or the one it would have if it has none
    yet, so that a plan someone else writes meanwhile is seen (``core.forms.VersionedEditForm``)."""
    return profile or CostProfile(tenant_id=project.tenant_id, project_id=project.pk)


def fit_rows(assessment) -> list[dict]:
    """For the page: how well each hosting approach and deployment model fits, in words — each
    option with its score or "ruled out", and each reason said as for, against or ruling it out,
    strongest first; the recommended option marked, with why it wins."""
    if assessment is None:
        return []
    result = assessment.result
    recommended = {"hosting": assessment.recommended_hosting, "deployment": assessment.recommended_deployment}
    groups = []
    for kind, title in (("hosting", "How the models are served"), ("deployment", "Where it runs and who controls it")):
        options = []
        for name, fit in (result.get(kind) or {}).items():
            reasons = sorted(fit.get("reasons", []), key=lambda reason: -abs(reason["effect"]))
            options.append(
                {
                    "key": name,
                    "label": fit.get("label") or readiness.label(name),
                    "score": fit["score"],
                    "excluded": fit.get("excluded", False),
                    "recommended": name == recommended[kind],
                    "reasons": [{"stance": _stance(reason["effect"]), "text": reason["text"]} for reason in reasons],
                }
            )
        groups.append({"kind": kind, "title": title, "options": options, "why": (result.get("why") or {}).get(kind)})
    return groups


def _stance(effect: int) -> str:
    if effect <= -100:
        return "Rules it out"
    if effect > 0:
        return "For"
    if effect < 0:
        return "Against"
    return "Note"


def checklist_rows(assessment, evidence: dict, forms: dict, *, may_accept: bool) -> list[dict]:
    """Each checklist item of ``assessment`` with its current evidence, whether evidence can
    satisfy it, whether the client has to accept that and the reader may, and the form of ``forms``
    that came back with errors for it, if any (the page loads a fresh one when it is asked for)."""
    if assessment is None:
        return []
    return [
        {
            **item,
            "status_label": readiness.STATUS_LABELS.get(item["status"], item["status"]),
            "current": evidence.get(item["key"]),
            "takes_evidence": item["key"] in EVIDENCE_ITEMS,
            "client_accepts": item["key"] in readiness.CLIENT_ACCEPTED,
            "acceptable": may_accept and item["key"] in readiness.CLIENT_ACCEPTED,
            "form": forms.get(item["key"]),
        }
        for item in assessment.result.get("checklist", [])
    ]


@login_required
@require_POST
def project_evaluate(request, pk):
    """Ask for a cost recalculation and assessment; the page follows the job without reloading."""
    project = get_for_user_or_404(Project.objects.all(), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk)
    try:
        job = job_request(kind=Job.Kind.COST, task=recalculate_costs, project=project, requested_by=request.user)
    except QueueUnavailable as unavailable:
        # htmx swaps only successful answers: the failed job says what happened.
        return render(request, "assessments/_evaluation_job.html", {"job": unavailable.job, "project": project})
    return render(request, "assessments/_evaluation_job.html", {"job": job, "project": project})


@login_required
@require_http_methods(["GET", "POST"])
def cost_plan_page(request, pk):
    """Change the cost plan (engineers and delivery leads). Asked for by htmx, the form alone (the
    project page loads it when it is opened); saved through htmx, the cost section re-drawn with the
    new estimate or the form's errors; without htmx, this form on its own page, and back to the
    project page once saved."""
    project = get_for_user_or_404(
        Project.objects.select_related("tenant"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
    )
    form = None
    status = 200
    if request.method == "POST":
        # One transaction: the form's version check holds the plan's row until the save is committed
        # (the project's first, the order every service locks in).
        with transaction.atomic():
            lock_project(project)
            profile, in_force = cost_plan_of(project)
            values = plan_inputs(in_force)
            origins = plan_origins(in_force)
            form = CostPlanForm(
                request.POST,
                plan=plan_inputs(profile),
                in_force=values,
                origins=origins,
                edited=_plan_edited(project, profile),
            )
            if form.is_valid():
                try:
                    cost_plan_update(project=project, actor=request.user, **form.changed_inputs())
                except ValidationError as error:
                    show_service_errors(form, error)
                else:
                    messages.success(request, "Cost plan saved; the estimate below follows it.")
                    if not request.htmx:
                        return redirect("project-detail", project.pk)
                    form = None
        # htmx swaps no 4xx answer in: a refused form drawn through it comes back as 200.
        if form is not None and not request.htmx:
            status = edit_status(form)
    if request.htmx and request.method == "POST":
        actions = allowed_actions(request.user, project)
        context = {
            "project": project,
            "actions": actions,
            **project_section(user=request.user, project=project, actions=actions, cost_plan_form=form),
        }
        return render(request, "assessments/_costs.html", context)
    context = {"project": project, **cost_plan_section(project, form=form, with_form=True)}
    if request.htmx:
        return render(request, "assessments/_cost_plan_edit.html", {**context, "inline": True})
    return render(request, "assessments/cost_plan_form.html", context, status=status)


@login_required
def job_status(request, pk):
    job = job_for(user=request.user, job_id=pk)
    if job is None:
        raise Http404
    if job.status == Job.Status.DONE and request.htmx:
        # Reload the page to show the new readiness and cost sections, with word of what happened.
        messages.success(request, "Assessment and costs are up to date.")
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "assessments/_evaluation_job.html", {"job": job, "project": job.project})
