"""A person's notifications page, marking them read (htmx or plain forms), and their email choices.

Everything here is the reader's own: another person's notification answers 404, like an unknown id.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import edit_status, return_address
from notifications import selectors
from notifications.forms import EmailChoicesForm
from notifications.services import email_choices_save, notification_read, notifications_read_all

PER_PAGE = 25


@login_required
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(
        selectors.notification_list(user=request.user, unread=True if unread_only else None), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def notification_mark_read(request, pk):
    notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    notification_read(notification=notification, user=request.user)
    if request.htmx:
        # The item, re-drawn as read, and the header's bell with its new count (out of band).
        return render(request, "notifications/_read.html", {"notification": notification})
    return redirect(return_address(request, default=reverse("notifications")))


@login_required
@require_POST
def notification_mark_all_read(request):
    marked = notifications_read_all(user=request.user)
    messages.success(request, f"Marked {marked} notification{'' if marked == 1 else 's'} as read.")
    return redirect(return_address(request, default=reverse("notifications")))


@login_required
def personal_settings(request):
    """The person's email choices. Saved over choices changed since the page was opened (another
    tab, the API), the form comes back with 409 and nothing saved, as on every edit page."""
    form = EmailChoicesForm(request.POST or None, user=request.user)
    # One transaction: the form's version check holds the person's choices (and, for a kind never
    # chosen, the person's row) until the save is committed.
    with transaction.atomic():
        if request.method == "POST" and form.is_valid():
            email_choices_save(user=request.user, choices=form.choices())
            messages.success(request, "Your email choices are saved.")
            return redirect("personal-settings")
    return render(request, "notifications/personal_settings.html", {"form": form}, status=edit_status(form))
