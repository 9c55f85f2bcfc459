"""A project's access page: who reaches the project and why, and per-project grants.

For those who manage the project's client (its customer admins, platform admins): another
member sees the project but gets 403 here, someone who cannot see the project 404. The page
calls the same selectors and services as ``/api/v1/projects/{id}/access/``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.forms import show_service_errors
from projects.access_list import grantee_find, project_access_list
from projects.forms import ProjectGrantForm
from projects.models import Project
from projects.services.access import project_access_grant, project_access_revoke
from tenancy.access import Action, get_for_user_or_404, require
from tenancy.models import Role


def _managed_project(request, pk) -> Project:
    project = get_for_user_or_404(Project.objects.select_related("tenant"), user=request.user, pk=pk)
    require(request.user, project.tenant, Action.MANAGE)
    return project


@login_required
def project_access(request, pk):
    project = _managed_project(request, pk)
    form = ProjectGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind = data["grantee_kind"]
        try:
            grantee = grantee_find(**{kind: data["name"]})
            project_access_grant(project=project, role=data["role"], actor=request.user, **{kind: grantee})
        except Http404 as error:
            # An unknown name and another client's person read the same.
            form.add_error("name", str(error))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            role = Role(data["role"]).label.lower()
            messages.success(request, f"{grantee} now has the {role} role on {project.code}.")
            return redirect("project-access", project.pk)
    return render(
        request,
        "projects/project_access.html",
        {"project": project, "holders": project_access_list(project=project), "form": form},
    )


@login_required
@require_POST
def project_access_revoke_page(request, pk):
    project = _managed_project(request, pk)
    kind = request.POST.get("kind")
    if kind not in ("user", "group"):
        messages.error(request, "Choose whose rights to take back: a person or a group.")
        return redirect("project-access", project.pk)
    try:
        grantee = grantee_find(**{kind: request.POST.get("name", "")})
        if not project_access_revoke(project=project, actor=request.user, **{kind: grantee}):
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{grantee} no longer has rights on {project.code} through a grant.")
    return redirect("project-access", project.pk)
