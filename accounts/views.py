"""A tenant's settings, run by its customer admins (and platform admins): members and roles,
approval policies, freeze windows, webhooks with their delivery log, service accounts and tokens.

Every page takes the tenant from the URL through ``get_for_user_or_404(..., action=MANAGE)``: a
tenant the user cannot see answers 404, one they see but may not manage 403. Objects are then
looked up inside that tenant only, so another tenant's id answers 404 too. Writes go through the
services, which check the right again and audit the change. Times are read and shown in the
tenant's time zone.
"""

import functools
import secrets
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts import selectors
from accounts.access import Action, can, get_for_user_or_404
from accounts.forms import (
    FreezeWindowForm,
    MemberAddForm,
    MemberChangeForm,
    PolicyForm,
    ServiceAccountForm,
    TokenForm,
    WebhookForm,
    show_service_errors,
)
from accounts.models import Tenant
from accounts.services import membership_grant, membership_revoke, service_account_create, token_issue, token_revoke
from accounts.webhooks import endpoint_delete, endpoint_save, endpoint_secret_rotate, redeliver, secret_grace_period
from projects.models.rollout import DEFAULT_ELIGIBLE_ROLES
from projects.services.policies import (
    BUILT_IN_POLICY,
    freeze_window_delete,
    freeze_window_save,
    policy_delete,
    policy_save,
)

DELIVERIES_PER_PAGE = 25


def tenant_settings(view):
    """Signed in, allowed to manage the tenant named by ``slug``, and in that tenant's time zone."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, slug, **kwargs):
        tenant = get_for_user_or_404(Tenant.objects.all(), user=request.user, action=Action.MANAGE, slug=slug)
        with timezone.override(zoneinfo.ZoneInfo(tenant.time_zone)):
            return view(request, tenant, **kwargs)

    return wrapper


def _page(request, template, tenant, section, **context):
    return render(request, template, {"tenant": tenant, "section": section, **context})


def _found(obj):
    if obj is None:
        raise Http404
    return obj


def _confirm(request, tenant, section, *, title, question, consequence, button, cancel_url):
    return _page(
        request,
        "accounts/confirm.html",
        tenant,
        section,
        title=title,
        question=question,
        consequence=consequence,
        button=button,
        cancel_url=cancel_url,
    )


def _secret_page(request, template, tenant, section, **context):
    """A page that shows a secret once: never cached, never kept anywhere."""
    response = _page(request, template, tenant, section, **context)
    add_never_cache_headers(response)
    return response


# A form whose answer shows a secret carries a one-time number: reloading that answer sends the
# form again with a spent number, which is refused instead of issuing a second secret.
ONCE = "once"
ONCE_KEPT = 20


def _once(request) -> str:
    """The number for the form on this page: the one it was sent with, while unspent, or a new one."""
    sent = request.POST.get(ONCE)
    if sent and _once_unspent(request):
        return sent
    number = secrets.token_urlsafe(16)
    request.session[ONCE] = [*request.session.get(ONCE, [])[-(ONCE_KEPT - 1) :], number]
    return number


def _once_unspent(request) -> bool:
    return request.POST.get(ONCE, "") in request.session.get(ONCE, [])


def _once_spend(request) -> None:
    request.session[ONCE] = [number for number in request.session.get(ONCE, []) if number != request.POST.get(ONCE)]


def _sent_already(request, tenant, section, *, back_url):
    response = _page(request, "accounts/sent_once.html", tenant, section, back_url=back_url)
    response.status_code = 409
    return response


# --- Which tenant ------------------------------------------------------------------------------


@login_required
def settings_index(request):
    tenants = list(selectors.managed_tenants(user=request.user))
    if not tenants:
        raise PermissionDenied("You do not manage any client's settings.")
    if len(tenants) == 1:
        return redirect("settings-members", tenants[0].slug)
    return render(request, "accounts/settings_index.html", {"tenants": tenants})


@tenant_settings
def settings_tenant(request, tenant):
    return redirect("settings-members", tenant.slug)


# --- Members and roles -------------------------------------------------------------------------


@tenant_settings
def members(request, tenant):
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = selectors.person_find(identifier=data["person"])
            existing = selectors.membership_of(tenant=tenant, user=person)
            if existing is not None:
                raise ValidationError(
                    {
                        "person": f"{person.get_username()} is already a {existing.get_role_display().lower()} "
                        "here: change their role in the list below."
                    }
                )
            membership = membership_grant(
                tenant=tenant, user=person, role=data["role"], all_projects=data["all_projects"], actor=request.user
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{person} is now a {membership.get_role_display().lower()} of {tenant.name}.")
            return redirect("settings-members", tenant.slug)
    memberships, grant_holders = selectors.member_list(tenant=tenant)
    return _page(
        request,
        "accounts/members.html",
        tenant,
        "members",
        form=form,
        memberships=memberships,
        grant_holders=grant_holders,
    )


@tenant_settings
def member_change(request, tenant, pk):
    membership = _found(selectors.membership_get(tenant=tenant, pk=pk))
    form = MemberChangeForm(
        request.POST or None, initial={"role": membership.role, "all_projects": membership.all_projects}
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_grant(
                tenant=tenant,
                user=membership.user,
                role=form.cleaned_data["role"],
                all_projects=form.cleaned_data["all_projects"],
                actor=request.user,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{membership.user} is now a {membership.get_role_display().lower()}.")
            return _after_own_change(request, tenant)
    return _page(request, "accounts/member_form.html", tenant, "members", form=form, membership=membership)


@tenant_settings
def member_remove(request, tenant, pk):
    membership = _found(selectors.membership_get(tenant=tenant, pk=pk))
    if request.method == "POST":
        membership_revoke(tenant=tenant, user=membership.user, actor=request.user)
        messages.success(request, f"{membership.user} no longer has a role in {tenant.name}.")
        return _after_own_change(request, tenant)
    yourself = membership.user_id == request.user.pk
    return _confirm(
        request,
        tenant,
        "members",
        title=f"Remove {membership.user}",
        question=f"Remove {membership.user}'s role ({membership.get_role_display().lower()}) in {tenant.name}?",
        consequence=(
            "You will lose access to these settings unless you are a platform admin."
            if yourself
            else "Rights they hold on single projects stay until taken back."
        ),
        button="Remove",
        cancel_url=reverse("settings-members", args=[tenant.slug]),
    )


def _after_own_change(request, tenant):
    """Back to the members, unless the person just took away their own right to manage them."""
    if can(request.user, tenant, Action.MANAGE):
        return redirect("settings-members", tenant.slug)
    return redirect("home")


# --- Approval policies -------------------------------------------------------------------------


@tenant_settings
def policies(request, tenant):
    policies_ = selectors.policy_list(tenant=tenant)
    return _page(
        request,
        "accounts/policies.html",
        tenant,
        "policies",
        policies=policies_,
        has_default=any(policy.target_stage == "" for policy in policies_),
        built_in=BUILT_IN_POLICY,
        can_add=bool(PolicyForm.free_stages(policy.target_stage for policy in policies_)),
    )


@tenant_settings
def policy_new(request, tenant):
    stages = PolicyForm.free_stages(selectors.policy_targets_taken(tenant=tenant))
    if not stages:
        messages.info(request, "Every stage already has its own policy: change one of them instead.")
        return redirect("settings-policies", tenant.slug)
    form = PolicyForm(
        request.POST or None,
        candidates=selectors.policy_candidates(tenant=tenant),
        stages=stages,
        initial={
            "required_approvals": BUILT_IN_POLICY["required_approvals"],
            "eligible_roles": list(DEFAULT_ELIGIBLE_ROLES),
            "expiry_hours": BUILT_IN_POLICY["expiry_hours"],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy = policy_save(tenant=tenant, actor=request.user, **form.service_fields())
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{policy} saved.")
            return redirect("settings-policies", tenant.slug)
    return _page(request, "accounts/policy_form.html", tenant, "policies", form=form, policy=None)


@tenant_settings
def policy_edit(request, tenant, pk):
    policy = _found(selectors.policy_get(tenant=tenant, pk=pk))
    form = PolicyForm(
        request.POST or None,
        candidates=selectors.policy_candidates(tenant=tenant, policy=policy),
        initial={
            "required_approvals": policy.required_approvals,
            "eligible_roles": policy.eligible_roles,
            "eligible_users": list(policy.eligible_users.all()),
            "require_client_and_delivery": policy.require_client_and_delivery,
            "requester_may_approve": policy.requester_may_approve,
            "readiness_gate_required": policy.readiness_gate_required,
            "expiry_hours": policy.expiry_hours,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy = policy_save(
                tenant=tenant, actor=request.user, target_stage=policy.target_stage, **form.service_fields()
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{policy} saved.")
            return redirect("settings-policies", tenant.slug)
    return _page(request, "accounts/policy_form.html", tenant, "policies", form=form, policy=policy)


@tenant_settings
def policy_remove(request, tenant, pk):
    policy = _found(selectors.policy_get(tenant=tenant, pk=pk))
    if request.method == "POST":
        policy_delete(policy=policy, actor=request.user)
        messages.success(request, f"{policy} deleted.")
        return redirect("settings-policies", tenant.slug)
    return _confirm(
        request,
        tenant,
        "policies",
        title=f"Delete the {str(policy).lower()}",
        question=f"Delete the {str(policy).lower()}?",
        consequence=(
            "New requests will follow the built-in default."
            if policy.target_stage == ""
            else "New requests for this stage will follow the default policy. Pending requests keep the policy "
            "they were made under."
        ),
        button="Delete policy",
        cancel_url=reverse("settings-policies", args=[tenant.slug]),
    )


# --- Freeze windows ----------------------------------------------------------------------------


@tenant_settings
def freezes(request, tenant):
    return _page(
        request, "accounts/freezes.html", tenant, "freezes", windows=selectors.freeze_window_list(tenant=tenant)
    )


@tenant_settings
def freeze_new(request, tenant):
    return _freeze_form(request, tenant, window=None)


@tenant_settings
def freeze_edit(request, tenant, pk):
    return _freeze_form(request, tenant, window=_found(selectors.freeze_window_get(tenant=tenant, pk=pk)))


def _freeze_form(request, tenant, *, window):
    initial = FreezeWindowForm.initial_from(window) if window else None
    form = FreezeWindowForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = freeze_window_save(tenant=tenant, actor=request.user, window=window, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Freeze window “{saved.name}” saved.")
            return redirect("settings-freezes", tenant.slug)
    return _page(request, "accounts/freeze_form.html", tenant, "freezes", form=form, window=window)


@tenant_settings
def freeze_remove(request, tenant, pk):
    window = _found(selectors.freeze_window_get(tenant=tenant, pk=pk))
    if request.method == "POST":
        freeze_window_delete(window=window, actor=request.user)
        messages.success(request, f"Freeze window “{window.name}” deleted.")
        return redirect("settings-freezes", tenant.slug)
    return _confirm(
        request,
        tenant,
        "freezes",
        title=f"Delete “{window.name}”",
        question=f"Delete the freeze window “{window.name}”?",
        consequence="Promotions into rollout and production will no longer wait for it.",
        button="Delete window",
        cancel_url=reverse("settings-freezes", args=[tenant.slug]),
    )


# --- Webhooks ----------------------------------------------------------------------------------


@tenant_settings
def webhooks(request, tenant):
    return _page(
        request, "accounts/webhooks.html", tenant, "webhooks", endpoints=selectors.webhook_endpoint_list(tenant=tenant)
    )


@tenant_settings
def webhook_new(request, tenant):
    if request.method == "POST" and not _once_unspent(request):
        return _sent_already(request, tenant, "webhooks", back_url=reverse("settings-webhooks", args=[tenant.slug]))
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = endpoint_save(tenant=tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            _once_spend(request)
            messages.success(request, f"Webhook to {endpoint.url} created.")
            return _secret_page(request, "accounts/webhook_created.html", tenant, "webhooks", endpoint=endpoint)
    return _page(
        request, "accounts/webhook_form.html", tenant, "webhooks", form=form, endpoint=None, once=_once(request)
    )


@tenant_settings
def webhook_edit(request, tenant, pk):
    endpoint = _found(selectors.webhook_endpoint_get(tenant=tenant, pk=pk))
    form = WebhookForm(request.POST or None, initial=WebhookForm.initial_from(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            # The service changes the object it is given: hand it a fresh copy, so a refusal leaves ours intact.
            fresh = selectors.webhook_endpoint_get(tenant=tenant, pk=pk)
            endpoint_save(tenant=tenant, actor=request.user, endpoint=fresh, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Webhook to {fresh.url} saved.")
            return redirect("settings-webhooks", tenant.slug)
    return _page(request, "accounts/webhook_form.html", tenant, "webhooks", form=form, endpoint=endpoint)


@tenant_settings
def webhook_remove(request, tenant, pk):
    endpoint = _found(selectors.webhook_endpoint_get(tenant=tenant, pk=pk))
    if request.method == "POST":
        endpoint_delete(endpoint=endpoint, actor=request.user)
        messages.success(request, f"Webhook to {endpoint.url} deleted.")
        return redirect("settings-webhooks", tenant.slug)
    return _confirm(
        request,
        tenant,
        "webhooks",
        title="Delete a webhook",
        question=f"Stop sending events to {endpoint.url} and delete it?",
        consequence="Its delivery log is deleted with it.",
        button="Delete webhook",
        cancel_url=reverse("settings-webhooks", args=[tenant.slug]),
    )


@tenant_settings
def webhook_rotate(request, tenant, pk):
    """Replace a webhook's signing secret: asked first, then the new one shown once."""
    endpoint = _found(selectors.webhook_endpoint_get(tenant=tenant, pk=pk))
    back_url = reverse("settings-webhooks", args=[tenant.slug])
    if request.method == "POST":
        if not _once_unspent(request):
            return _sent_already(request, tenant, "webhooks", back_url=back_url)
        endpoint = endpoint_secret_rotate(endpoint=endpoint, actor=request.user)
        _once_spend(request)
        messages.success(request, f"The webhook to {endpoint.url} has a new signing secret.")
        return _secret_page(
            request, "accounts/webhook_created.html", tenant, "webhooks", endpoint=endpoint, rotated=True
        )
    return _page(
        request,
        "accounts/webhook_rotate.html",
        tenant,
        "webhooks",
        endpoint=endpoint,
        grace_hours=round(secret_grace_period().total_seconds() / 3600),
        once=_once(request),
        cancel_url=back_url,
    )


@tenant_settings
def webhook_deliveries(request, tenant, pk):
    endpoint = _found(selectors.webhook_endpoint_get(tenant=tenant, pk=pk))
    page = Paginator(selectors.webhook_delivery_list(endpoint=endpoint), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for delivery in page:
        delivery.summary = selectors.delivery_summary(delivery)
    return _page(request, "accounts/deliveries.html", tenant, "webhooks", endpoint=endpoint, page=page)


@require_POST
@tenant_settings
def delivery_redeliver(request, tenant, pk):
    delivery = _found(selectors.webhook_delivery_get(tenant=tenant, pk=pk))
    try:
        redeliver(delivery=delivery, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {delivery.event.get_event_type_display().lower()} event will be sent again.")
    url = reverse("settings-webhook-deliveries", args=[tenant.slug, delivery.endpoint_id])
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


# --- Service accounts and tokens ---------------------------------------------------------------


@tenant_settings
def service_accounts(request, tenant):
    form = ServiceAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = service_account_create(tenant=tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Service account {account.get_username()} created. Issue it a token next.")
            return redirect("settings-service-accounts", tenant.slug)
    return _page(
        request,
        "accounts/service_accounts.html",
        tenant,
        "service_accounts",
        form=form,
        accounts=selectors.service_account_list(tenant=tenant),
    )


@tenant_settings
def token_new(request, tenant, pk):
    account = _found(selectors.service_account_get(tenant=tenant, pk=pk))
    if request.method == "POST" and not _once_unspent(request):
        back_url = reverse("settings-service-accounts", args=[tenant.slug])
        return _sent_already(request, tenant, "service_accounts", back_url=back_url)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, secret = token_issue(user=account, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            _once_spend(request)
            messages.success(request, f"Token “{record.name}” issued to {account.get_username()}.")
            return _secret_page(
                request,
                "accounts/token_issued.html",
                tenant,
                "service_accounts",
                account=account,
                record=record,
                secret=secret,
            )
    return _page(
        request, "accounts/token_form.html", tenant, "service_accounts", form=form, account=account, once=_once(request)
    )


@tenant_settings
def token_remove(request, tenant, pk):
    token = _found(selectors.service_token_get(tenant=tenant, pk=pk))
    if request.method == "POST":
        token_revoke(token=token, actor=request.user)
        messages.success(request, f"Token “{token.name}” of {token.user.get_username()} revoked.")
        return redirect("settings-service-accounts", tenant.slug)
    return _confirm(
        request,
        tenant,
        "service_accounts",
        title=f"Revoke “{token.name}”",
        question=f"Revoke the token “{token.name}” ({token.prefix}…) of {token.user.get_username()}?",
        consequence="Anything still using it is refused from now on. This cannot be undone.",
        button="Revoke token",
        cancel_url=reverse("settings-service-accounts", args=[tenant.slug]),
    )
