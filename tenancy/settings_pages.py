"""The frame every tenant settings page shares: the tenant from the URL, managed by the reader, in its
time zone; confirmation pages; and the one-time numbers that keep a page showing a secret from
issuing a second one when reloaded. The rooms with settings pages (tenancy, webhooks, projects)
build on it.
"""

import functools
import secrets
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from tenancy.access import Action, get_for_user_or_404
from tenancy.models import Tenant


def tenant_settings(view):
    """Signed in, allowed to manage the tenant named by ``slug``, and in that tenant's time zone."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, slug, **kwargs):
        tenant = get_for_user_or_404(Tenant.objects.all(), user=request.user, action=Action.MANAGE, slug=slug)
        with timezone.override(zoneinfo.ZoneInfo(tenant.time_zone)):
            return view(request, tenant, **kwargs)

    return wrapper


def settings_page(request, template, tenant, section, *, status=200, **context):
    return render(request, template, {"tenant": tenant, "section": section, **context}, status=status)


def found_or_404(obj):
    if obj is None:
        raise Http404
    return obj


def confirm_page(request, tenant, section, *, title, question, consequence, button, cancel_url):
    return settings_page(
        request,
        "tenancy/confirm.html",
        tenant,
        section,
        title=title,
        question=question,
        consequence=consequence,
        button=button,
        cancel_url=cancel_url,
    )


def remove_page(request, tenant, section, *, back, remove, done, title, question, consequence, button, then=None):
    """Every "remove this" page of the settings: a GET asks (``confirm_page``), a POST calls
    ``remove`` (a service), says ``done`` and goes back to the list named ``back``, or to where
    ``then()`` answers when that depends on what the removal changed. A removal the service refuses
    (the client's last customer admin, say) changes nothing: the list says why."""
    if request.method == "POST":
        try:
            remove()
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
            return redirect(back, tenant.slug)
        messages.success(request, done)
        return then() if then else redirect(back, tenant.slug)
    return confirm_page(
        request,
        tenant,
        section,
        title=title,
        question=question,
        consequence=consequence,
        button=button,
        cancel_url=reverse(back, args=[tenant.slug]),
    )


def secret_page(request, template, tenant, section, **context):
    """A page that shows a secret once: never cached, never kept anywhere."""
    response = settings_page(request, template, tenant, section, **context)
    add_never_cache_headers(response)
    return response


# A form whose answer shows a secret carries a one-time number: reloading that answer sends the
# form again with a spent number, which is refused instead of issuing a second secret.
ONCE = "once"


ONCE_KEPT = 20


def once_number(request) -> str:
    """The number for the form on this page: the one it was sent with, while unspent, or a new one."""
    sent = request.POST.get(ONCE)
    if sent and once_unspent(request):
        return sent
    number = secrets.token_urlsafe(16)
    request.session[ONCE] = [*request.session.get(ONCE, [])[-(ONCE_KEPT - 1) :], number]
    return number


def once_unspent(request) -> bool:
    return request.POST.get(ONCE, "") in request.session.get(ONCE, [])


def once_spend(request) -> None:
    request.session[ONCE] = [number for number in request.session.get(ONCE, []) if number != request.POST.get(ONCE)]


def sent_already_page(request, tenant, section, *, back_url):
    response = settings_page(request, "tenancy/sent_once.html", tenant, section, back_url=back_url)
    response.status_code = 409
    return response
