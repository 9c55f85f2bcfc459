from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import Action, allowed_actions, get_for_user_or_404
from accounts.models import AuditEvent, Tenant
from assessments.jobs import job_request
from assessments.models import Job
from assessments.selectors import assessment_history, estimate_history, job_for
from assessments.tasks import recalculate_costs
from projects.forms import DecisionForm, ProfileForm, ProjectCreateForm
from projects.models import ApprovalRequest, Project
from projects.selectors import approval_inbox, project_list, stage_history, tenant_list
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.projects import profile_update, project_create
from projects.services.stages import project_pause, project_retire, project_rollback, rollback_targets

TIMELINE_LENGTH = 25


@login_required
def home(request):
    return render(
        request,
        "projects/home.html",
        {"tenants": tenant_list(user=request.user), "projects": project_list(user=request.user)},
    )


@login_required
def tenant_detail(request, slug):
    tenant = get_for_user_or_404(Tenant.objects.all(), user=request.user, slug=slug)
    return render(
        request,
        "projects/tenant_detail.html",
        {"tenant": tenant, "projects": project_list(user=request.user, tenant=tenant)},
    )


@login_required
def project_detail(request, pk):
    project = get_for_user_or_404(
        Project.objects.select_related("tenant", "delivery_lead", "environment"),
        user=request.user,
        action=Action.VIEW,
        pk=pk,
    )
    assessments = list(assessment_history(user=request.user, project=project)[:10])
    estimates = list(estimate_history(user=request.user, project=project)[:10])
    pending = (
        ApprovalRequest.objects.filter(project=project, status=ApprovalRequest.Status.PENDING)
        .select_related("requested_by")
        .first()
    )
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "actions": allowed_actions(request.user, project),
            "history": stage_history(user=request.user, project=project),
            "assessment": assessments[0] if assessments else None,
            "assessments": assessments,
            "estimate": estimates[0] if estimates else None,
            "estimates": estimates,
            "pending": pending,
            "rollback_targets": rollback_targets(project),
            "timeline": AuditEvent.objects.filter(tenant_id=project.tenant_id, project_id=project.pk)[:TIMELINE_LENGTH],
        },
    )


@login_required
def project_new(request):
    tenants = tenant_list(user=request.user, action=Action.CHANGE)
    if not tenants.exists():
        raise PermissionDenied("You cannot create projects for any client.")
    form = ProjectCreateForm(request.POST or None, tenants=tenants)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            project = project_create(tenant=data.pop("tenant"), actor=request.user, **data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{project.code} created. Fill in its requirements next.")
            return redirect("project-profile", project.pk)
    return render(request, "projects/project_form.html", {"form": form})


@login_required
def project_profile(request, pk):
    project = get_for_user_or_404(
        Project.objects.select_related("tenant", "profile"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
    )
    form = ProfileForm(request.POST or None, instance=project.profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(project=project, actor=request.user, **form.service_fields())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Requirements saved.")
            return redirect("project-detail", project.pk)
    return render(request, "projects/profile_form.html", {"form": form, "project": project})


@login_required
@require_POST
def project_evaluate(request, pk):
    """Ask for a cost recalculation and assessment; the page follows the job without reloading."""
    project = get_for_user_or_404(Project.objects.all(), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk)
    job = job_request(kind=Job.Kind.COST, task=recalculate_costs, project=project, requested_by=request.user)
    return render(request, "projects/_job.html", {"job": job, "project": project})


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
    return render(request, "projects/_job.html", {"job": job, "project": job.project})


@login_required
@require_POST
def promotion_request(request, pk):
    project = get_for_user_or_404(Project.objects.all(), user=request.user, action=Action.PROMOTE, pk=pk)
    try:
        approval = approval_request_create(project=project, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Promotion to {approval.get_target_stage_display()} requested.")
    return redirect("project-detail", project.pk)


@login_required
@require_POST
def stage_move(request, pk, move):
    """Roll back, pause or retire: the delivery lead's direct moves, each with a reason."""
    project = get_for_user_or_404(Project.objects.all(), user=request.user, action=Action.PROMOTE, pk=pk)
    reason = request.POST.get("reason", "")
    try:
        if move == "rollback":
            project_rollback(
                project=project, actor=request.user, to_stage=request.POST.get("to_stage", ""), reason=reason
            )
        elif move == "pause":
            project_pause(project=project, actor=request.user, reason=reason)
        elif move == "retire":
            project_retire(project=project, actor=request.user, reason=reason)
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        project.refresh_from_db()
        messages.success(request, f"{project.code} is now {project.get_stage_display().lower()}.")
    return redirect("project-detail", project.pk)


@login_required
def inbox(request):
    return render(request, "projects/inbox.html", {"requests": approval_inbox(user=request.user)})


@login_required
@require_POST
def decide(request, pk, verdict):
    approval = get_for_user_or_404(ApprovalRequest.objects.select_related("project"), user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        approval_decide(request=approval, actor=request.user, verdict=verdict, comment=form.cleaned_data["comment"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{'Approved' if verdict == 'approve' else 'Rejected'}: {approval.project.code}.")
    return redirect(reverse("inbox"))


def _form_errors(form, error: ValidationError):
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)
