from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.selectors import project_timeline
from core.forms import edit_status, show_service_errors
from core.keyset import ListPage, list_page
from core.validators import whole_number
from projects.charts import dashboard_charts
from projects.decision_summary import decision_summaries
from projects.filters import ProjectListFilter
from projects.forms import EvidenceForm, ProjectCreateForm, ProjectEditForm, TicketForm, profile_answers, profile_form
from projects.models import ApprovalRequest, DeploymentModel, EvidenceLink, Project, TicketReference
from projects.panels import project_sections
from projects.profile_warnings import profile_warnings
from projects.selectors import (
    approval_inbox_count,
    client_suggestions,
    evidence_links_of,
    may_decide,
    portfolio,
    project_for_page,
    project_list,
    project_requests,
    stage_history,
    tenant_list,
    tickets_of,
)
from projects.services.approvals import FROZEN_TARGETS, approval_request_create
from projects.services.projects import (
    evidence_add,
    evidence_remove,
    profile_update,
    project_create,
    project_update,
    ticket_link,
    ticket_unlink,
)
from projects.services.stages import lock_project, project_pause, project_retire, project_rollback, rollback_targets
from tenancy.access import Action, allowed_actions, can, get_for_user_or_404
from tenancy.models import Tenant

TIMELINE_LENGTH = 25
#: The project page lists this many of its latest approval requests.
REQUESTS_SHOWN = 10
PAGE_SIZE = 25


@login_required
def home(request):
    return _dashboard(request, tenant=None)


@login_required
def tenant_detail(request, slug):
    tenant = get_for_user_or_404(Tenant.objects.all(), user=request.user, slug=slug)
    return _dashboard(request, tenant=tenant)


def _dashboard(request, *, tenant):
    user = request.user
    figures = portfolio(user=user, tenant=tenant)
    return render(
        request,
        "projects/dashboard.html",
        {
            "tenant": tenant,
            "portfolio": figures,
            "charts": dashboard_charts(figures),
            "deployment_legend": DeploymentModel.choices,
            "waiting_for_me": approval_inbox_count(user=user),
        },
    )


@login_required
def project_list_page(request):
    user = request.user
    filters = ProjectListFilter(request.GET or None, queryset=project_list(user=user), user=user)
    if not filters.is_bound:
        projects = filters.queryset
    elif filters.is_valid():
        projects = filters.qs
    else:
        projects = filters.queryset.none()  # the form names the field and the rule
    page = _page(request, projects, order=filters.key_order)
    context = {"filters": filters, "page": page, "query": _query_without_page(request)}
    if request.htmx and request.htmx.target == "results":
        return render(request, "projects/_project_results.html", context)
    return render(request, "projects/project_list.html", context)


def _page(request, projects, *, order) -> ListPage:
    """The asked-for page of ``projects``: after or before a row's key where ``order`` allows, else by
    number."""
    return list_page(
        projects,
        size=PAGE_SIZE,
        order=order,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        number=whole_number(request.GET.get("page", "")) or 1,
    )


@login_required
def client_suggestions_list(request):
    """The clients the reader can see whose name holds what they typed in the list's client field."""
    return render(
        request,
        "projects/_client_suggestions.html",
        {"clients": client_suggestions(user=request.user, text=request.GET.get("tenant", ""))},
    )


@login_required
def project_detail(request, pk):
    project = project_for_page(user=request.user, pk=pk)
    requests = project_requests(user=request.user, project=project, limit=REQUESTS_SHOWN)
    pending = next((item for item in requests if item.status == ApprovalRequest.Status.PENDING), None)
    undecided = pending is not None and all(d.approver_id != request.user.pk for d in pending.decisions.all())
    actions = allowed_actions(request.user, project)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "actions": actions,
            "history": stage_history(user=request.user, project=project),
            "pending": pending,
            "requests": requests,
            "summary": decision_summaries([pending])[pending.pk] if pending else None,
            "may_decide": undecided and may_decide(user=request.user, request=pending),
            "rollback_targets": rollback_targets(project),
            "frozen_targets": FROZEN_TARGETS,
            "timeline": project_timeline(project, limit=TIMELINE_LENGTH),
            "evidence": evidence_links_of(user=request.user, project=project),
            "tickets": tickets_of(user=request.user, project=project),
            "may_manage_access": can(request.user, project.tenant, Action.MANAGE),
            **_requirements(project),
            # Where it runs (deployments), its readiness and costs (assessments): see projects.panels.
            **project_sections(user=request.user, project=project, actions=actions),
        },
    )


def _requirements(project) -> dict:
    """The project page's requirements: the answers in words, and the figures worth a second look."""
    if not hasattr(project, "profile"):
        return {"requirements": [], "requirement_warnings": []}
    return {
        "requirements": profile_answers(project.profile),
        "requirement_warnings": profile_warnings(project.profile),
    }


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
            show_service_errors(form, error)
        else:
            messages.success(request, f"{project.code} created. Fill in its requirements next.")
            return redirect("project-profile", project.pk)
    return render(request, "projects/project_form.html", {"form": form})


@login_required
def project_profile(request, pk):
    project = get_for_user_or_404(
        Project.objects.select_related("tenant", "profile"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
    )
    form = profile_form(request.POST or None, project=project, user=request.user)
    # One transaction: the form's version check locks the rows until the save is committed (the
    # project first, the order every service locks in).
    with transaction.atomic():
        if request.method == "POST":
            lock_project(project)
        if request.method == "POST" and form.is_valid():
            try:
                profile_update(project=project, actor=request.user, **form.service_fields())
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, "Requirements saved.")
                return redirect("project-detail", project.pk)
    return render(request, "projects/profile_form.html", {"form": form, "project": project}, status=edit_status(form))


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


def _query_without_page(request) -> str:
    """The query string without the page's number and the key of the row it starts after or before."""
    query = request.GET.copy()
    for position in ("page", "after", "before"):
        query.pop(position, None)
    return query.urlencode()


@login_required
def project_edit(request, pk):
    """Name, code, lead, workload and hosting; someone with technical rights only edits the hosting."""
    project = get_for_user_or_404(Project.objects.select_related("tenant"), user=request.user, pk=pk)
    actions = allowed_actions(request.user, project)
    if Action.CHANGE_TECHNICAL not in actions:
        raise PermissionDenied
    form = ProjectEditForm(request.POST or None, project=project, technical_only=Action.CHANGE not in actions)
    with transaction.atomic():
        if request.method == "POST" and form.is_valid():
            changed = form.service_fields()
            try:
                saved = project_update(project=project, actor=request.user, **changed)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                if changed:
                    messages.success(request, f"{saved.code} saved.")
                else:
                    messages.info(request, "Nothing changed.")
                return redirect("project-detail", project.pk)
    return render(request, "projects/edit_project.html", {"form": form, "project": project}, status=edit_status(form))


@login_required
def project_evidence(request, pk):
    """The evidence and ticket page; a POST here adds evidence."""
    project = get_for_user_or_404(
        Project.objects.select_related("tenant"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
    )
    form = EvidenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = evidence_add(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Evidence added: {link.title}.")
            return redirect("project-detail", project.pk)
    if request.htmx and request.method == "GET":
        return _add_form(request, project, "projects/_evidence_add_form.html", evidence_form=form)
    return _evidence_page(request, project, evidence_form=form, ticket_form=TicketForm())


@login_required
def project_tickets(request, pk):
    """The evidence and ticket page; a POST here links a ticket."""
    project = get_for_user_or_404(
        Project.objects.select_related("tenant"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
    )
    form = TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_link(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Ticket linked: {ticket}.")
            return redirect("project-detail", project.pk)
    if request.htmx and request.method == "GET":
        return _add_form(request, project, "projects/_ticket_add_form.html", ticket_form=form)
    return _evidence_page(request, project, evidence_form=EvidenceForm(), ticket_form=form)


@login_required
@require_POST
def project_evidence_remove(request, pk, link_pk):
    project = get_for_user_or_404(Project.objects.all(), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk)
    link = get_for_user_or_404(EvidenceLink.objects.filter(project=project), user=request.user, pk=link_pk)
    evidence_remove(link=link, actor=request.user)
    messages.success(request, f"Evidence removed: {link.title}.")
    return redirect("project-detail", project.pk)


@login_required
@require_POST
def project_ticket_remove(request, pk, ticket_pk):
    project = get_for_user_or_404(Project.objects.all(), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk)
    ticket = get_for_user_or_404(TicketReference.objects.filter(project=project), user=request.user, pk=ticket_pk)
    ticket_unlink(ticket=ticket, actor=request.user)
    messages.success(request, f"Ticket unlinked: {ticket}.")
    return redirect("project-detail", project.pk)


def _add_form(request, project, template: str, **form):
    """One of the evidence page's forms alone, for the project page's card, which loads it (htmx)
    when its "Add evidence" or "Link a ticket" is opened: labelled by what was opened."""
    labelled_by = "card-evidence-add" if "evidence_form" in form else "card-ticket-add"
    return render(request, template, {"project": project, "labelled_by": labelled_by, **form})


def _evidence_page(request, project, *, evidence_form, ticket_form):
    return render(
        request,
        "projects/edit_evidence.html",
        {
            "project": project,
            "can_edit": True,
            "evidence_form": evidence_form,
            "ticket_form": ticket_form,
            "evidence": list(project.evidence_links.all()),
            "tickets": list(project.tickets.all()),
        },
    )
