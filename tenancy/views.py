"""A tenant's settings, run by its customer admins (and platform admins): the settings index,
members and roles, service accounts and tokens. (Approval policies and freeze windows are in
``projects.rollout_settings``, webhooks in ``webhooks.views``.)

Every page takes the tenant from the URL through ``get_for_user_or_404(..., action=MANAGE)``: a
tenant the user cannot see answers 404, one they see but may not manage 403. Objects are then
looked up inside that tenant only, so another tenant's id answers 404 too. Writes go through the
services, which check the right again and audit the change. Times are read and shown in the
tenant's time zone.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse

from core.forms import edit_status, show_service_errors
from tenancy import selectors
from tenancy.access import Action, can
from tenancy.forms import MemberAddForm, MemberChangeForm, ServiceAccountForm, TokenForm
from tenancy.services import (
    membership_add,
    membership_grant,
    membership_revoke,
    service_account_create,
    token_issue,
    token_revoke,
)
from tenancy.settings_pages import (
    found_or_404,
    once_number,
    once_spend,
    once_unspent,
    remove_page,
    secret_page,
    sent_already_page,
    settings_page,
    tenant_settings,
)

# --- Which tenant ------------------------------------------------------------------------------


@login_required
def settings_index(request):
    tenants = list(selectors.managed_tenants(user=request.user))
    if not tenants:
        raise PermissionDenied("You do not manage any client's settings.")
    if len(tenants) == 1:
        return redirect("settings-members", tenants[0].slug)
    return render(request, "tenancy/settings_index.html", {"tenants": tenants})


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
            person = selectors.person_find(identifier=data["person"], viewer=request.user)
            membership = membership_add(
                tenant=tenant, user=person, role=data["role"], all_projects=data["all_projects"], actor=request.user
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{person} is now a {membership.get_role_display().lower()} of {tenant.name}.")
            return redirect("settings-members", tenant.slug)
    memberships, grant_holders = selectors.member_list(tenant=tenant)
    return settings_page(
        request,
        "tenancy/members.html",
        tenant,
        "members",
        form=form,
        memberships=memberships,
        grant_holders=grant_holders,
    )


@tenant_settings
def member_change(request, tenant, pk):
    membership = found_or_404(selectors.membership_get(tenant=tenant, pk=pk))
    form = MemberChangeForm(
        request.POST or None,
        initial={"role": membership.role, "all_projects": membership.all_projects},
        edited=membership,
    )
    with transaction.atomic():  # the form's version check holds the membership's row until the save
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
    return settings_page(
        request,
        "tenancy/member_form.html",
        tenant,
        "members",
        form=form,
        membership=membership,
        status=edit_status(form),
    )


@tenant_settings
def member_remove(request, tenant, pk):
    membership = found_or_404(selectors.membership_get(tenant=tenant, pk=pk))
    yourself = membership.user_id == request.user.pk
    return remove_page(
        request,
        tenant,
        "members",
        back="settings-members",
        remove=lambda: membership_revoke(tenant=tenant, user=membership.user, actor=request.user),
        done=f"{membership.user} no longer has a role in {tenant.name}.",
        title=f"Remove {membership.user}",
        question=f"Remove {membership.user}'s role ({membership.get_role_display().lower()}) in {tenant.name}?",
        consequence=(
            "You will lose access to these settings unless you are a platform admin."
            if yourself
            else "Rights they hold on single projects stay until taken back."
        ),
        button="Remove",
        then=lambda: _after_own_change(request, tenant),
    )


def _after_own_change(request, tenant):
    """Back to the members, unless the person just took away their own right to manage them."""
    if can(request.user, tenant, Action.MANAGE):
        return redirect("settings-members", tenant.slug)
    return redirect("home")


# --- Approval policies -------------------------------------------------------------------------


# --- Freeze windows ----------------------------------------------------------------------------


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
    return settings_page(
        request,
        "tenancy/service_accounts.html",
        tenant,
        "service_accounts",
        form=form,
        accounts=selectors.service_account_list(tenant=tenant),
    )


@tenant_settings
def token_new(request, tenant, pk):
    account = found_or_404(selectors.service_account_get(tenant=tenant, pk=pk))
    if request.method == "POST" and not once_unspent(request):
        back_url = reverse("settings-service-accounts", args=[tenant.slug])
        return sent_already_page(request, tenant, "service_accounts", back_url=back_url)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, secret = token_issue(user=account, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            once_spend(request)
            messages.success(request, f"Token “{record.name}” issued to {account.get_username()}.")
            return secret_page(
                request,
                "tenancy/token_issued.html",
                tenant,
                "service_accounts",
                account=account,
                record=record,
                secret=secret,
            )
    return settings_page(
        request,
        "tenancy/token_form.html",
        tenant,
        "service_accounts",
        form=form,
        account=account,
        once=once_number(request),
    )


@tenant_settings
def token_remove(request, tenant, pk):
    token = found_or_404(selectors.service_token_get(tenant=tenant, pk=pk))
    return remove_page(
        request,
        tenant,
        "service_accounts",
        back="settings-service-accounts",
        remove=lambda: token_revoke(token=token, actor=request.user),
        done=f"Token “{token.name}” of {token.user.get_username()} revoked.",
        title=f"Revoke “{token.name}”",
        question=f"Revoke the token “{token.name}” ({token.prefix}…) of {token.user.get_username()}?",
        consequence="Anything still using it is refused from now on. This cannot be undone.",
        button="Revoke token",
    )
