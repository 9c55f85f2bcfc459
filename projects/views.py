from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.access import Action, allowed_actions, get_for_user_or_404
from accounts.models import Tenant
from projects.models import Project
from projects.selectors import project_list, tenant_list


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
        Project.objects.select_related("tenant", "delivery_lead"), user=request.user, action=Action.VIEW, pk=pk
    )
    return render(
        request,
        "projects/project_detail.html",
        {"project": project, "actions": allowed_actions(request.user, project)},
    )
