"""A tenant's approval-policy and freeze-window settings pages (customer admins), beside their models.

The frame (tenant from the URL, managed by the reader, its time zone) is ``tenancy.settings_pages``;
writes go through the approval services, which check the right again and audit the change.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect

from core.forms import edit_status, show_service_errors
from projects.models.rollout import DEFAULT_ELIGIBLE_ROLES
from projects.rollout_settings import selectors
from projects.rollout_settings.forms import FreezeWindowForm, PolicyForm
from projects.services.policies import (
    BUILT_IN_POLICY,
    freeze_window_delete,
    freeze_window_save,
    policy_delete,
    policy_save,
)
from tenancy.settings_pages import found_or_404, remove_page, settings_page, tenant_settings


@tenant_settings
def policies(request, tenant):
    policies_ = selectors.policy_list(tenant=tenant)
    return settings_page(
        request,
        "projects/settings/policies.html",
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
    return settings_page(request, "projects/settings/policy_form.html", tenant, "policies", form=form, policy=None)


@tenant_settings
def policy_edit(request, tenant, pk):
    policy = found_or_404(selectors.policy_get(tenant=tenant, pk=pk))
    form = PolicyForm(
        request.POST or None,
        edited=policy,
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
    with transaction.atomic():  # the form's version check holds the policy's row until the save
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
    return settings_page(
        request,
        "projects/settings/policy_form.html",
        tenant,
        "policies",
        form=form,
        policy=policy,
        status=edit_status(form),
    )


@tenant_settings
def policy_remove(request, tenant, pk):
    policy = found_or_404(selectors.policy_get(tenant=tenant, pk=pk))
    return remove_page(
        request,
        tenant,
        "policies",
        back="settings-policies",
        remove=lambda: policy_delete(policy=policy, actor=request.user),
        done=f"{policy} deleted.",
        title=f"Delete the {str(policy).lower()}",
        question=f"Delete the {str(policy).lower()}?",
        consequence=(
            "New requests will follow the built-in default."
            if policy.target_stage == ""
            else "New requests for this stage will follow the default policy. Pending requests keep the policy "
            "they were made under."
        ),
        button="Delete policy",
    )


@tenant_settings
def freezes(request, tenant):
    return settings_page(
        request,
        "projects/settings/freezes.html",
        tenant,
        "freezes",
        windows=selectors.freeze_window_list(tenant=tenant),
    )


@tenant_settings
def freeze_new(request, tenant):
    return _freeze_form(request, tenant, window=None)


@tenant_settings
def freeze_edit(request, tenant, pk):
    return _freeze_form(request, tenant, window=found_or_404(selectors.freeze_window_get(tenant=tenant, pk=pk)))


def _freeze_form(request, tenant, *, window):
    initial = FreezeWindowForm.initial_from(window) if window else None
    form = FreezeWindowForm(request.POST or None, initial=initial, **({"edited": window} if window else {}))
    with transaction.atomic():  # the form's version check holds the window's row until the save
        if request.method == "POST" and form.is_valid():
            try:
                saved = freeze_window_save(tenant=tenant, actor=request.user, window=window, **form.cleaned_data)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, f"Freeze window “{saved.name}” saved.")
                return redirect("settings-freezes", tenant.slug)
    return settings_page(
        request,
        "projects/settings/freeze_form.html",
        tenant,
        "freezes",
        form=form,
        window=window,
        status=edit_status(form),
    )


@tenant_settings
def freeze_remove(request, tenant, pk):
    window = found_or_404(selectors.freeze_window_get(tenant=tenant, pk=pk))
    return remove_page(
        request,
        tenant,
        "freezes",
        back="settings-freezes",
        remove=lambda: freeze_window_delete(window=window, actor=request.user),
        done=f"Freeze window “{window.name}” deleted.",
        title=f"Delete “{window.name}”",
        question=f"Delete the freeze window “{window.name}”?",
        consequence="Promotions into rollout and production will no longer wait for it.",
        button="Delete window",
    )
