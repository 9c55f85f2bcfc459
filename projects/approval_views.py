"""The approval pages: the approver's inbox (waiting and decided), deciding with the decision summary
in view, the requests a person made, and a platform admin's override of a change freeze."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import return_address
from projects.decision_summary import decision_summaries
from projects.forms import DecisionForm
from projects.models import ApprovalRequest
from projects.selectors import approval_inbox, requests_decided_by, requests_made_by
from projects.services.approvals import approval_decide, approval_freeze_override
from tenancy.access import get_for_user_or_404

PAGE_SIZE = 25


@login_required
def inbox(request):
    if request.GET.get("tab") == "decided":
        page = Paginator(requests_decided_by(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"tab": "decided", "page": page, "requests": page.object_list, "query": "tab=decided"}
        return render(request, "projects/inbox.html", context)
    page = Paginator(approval_inbox(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = list(page.object_list)
    return render(
        request,
        "projects/inbox.html",
        {"tab": "waiting", "page": page, "requests": waiting, "summaries": decision_summaries(waiting), "query": ""},
    )


@login_required
def my_requests(request):
    status = request.GET.get("status", "")
    if status not in ApprovalRequest.Status.values:
        status = ""
    page = Paginator(requests_made_by(user=request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/my_requests.html",
        {
            "page": page,
            "requests": page.object_list,
            "status": status,
            "status_label": ApprovalRequest.Status(status).label if status else "",
            "statuses": ApprovalRequest.Status.choices,
            "query": f"status={status}" if status else "",
        },
    )


@login_required
@require_POST
def decide(request, pk, verdict):
    approval = get_for_user_or_404(ApprovalRequest.objects.select_related("project"), user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([f"Comment: {message}" for message in form.errors.get("comment", [])])
        approval_decide(request=approval, actor=request.user, verdict=verdict, comment=form.cleaned_data["comment"])
    except (ValidationError, PermissionDenied) as refused:
        for message in getattr(refused, "messages", None) or [str(refused)]:
            messages.error(request, message)
    else:
        done = "approved" if verdict == "approve" else "rejected"
        messages.success(
            request, f"You {done} moving {approval.project.name} to {approval.get_target_stage_display()}."
        )
    return redirect(return_address(request, default=reverse("inbox")))


@login_required
@require_POST
def freeze_override(request, pk):
    approval = get_for_user_or_404(ApprovalRequest.objects.select_related("project"), user=request.user, pk=pk)
    try:
        approval_freeze_override(request=approval, actor=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as refused:
        for message in getattr(refused, "messages", None) or [str(refused)]:
            messages.error(request, message)
    else:
        messages.success(request, "The change freeze no longer holds this request back.")
    return redirect(return_address(request, default=reverse("project-detail", args=[approval.project_id])))
