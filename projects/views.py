from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.access import Action, allowed_actions, get_for_user_or_404
from accounts.models import Tenant
from assessments.selectors import assessment_history, estimate_history
from projects.models import Project
from projects.selectors import project_list, stage_history, tenant_list


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
        },
    )
