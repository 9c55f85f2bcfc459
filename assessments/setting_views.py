"""Pages that keep what the engines read beyond a project: a client's cost-plan defaults (its
settings, for its customer admins and platform admins) and the catalog's provider certifications
(for platform admins). Each calls the service the API and the Django admin call."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from assessments.cost_plan import plan_resolve
from assessments.forms import COST_PLAN_LABELS, CertificationForm, CostPlanForm
from assessments.models import ProviderCertification, TenantCostDefaults
from assessments.selectors import provider_certifications
from assessments.services.certifications import provider_certification_record, provider_certification_remove
from assessments.services.cost_plans import (
    PLAN_INPUTS,
    plan_inputs,
    plan_origins,
    plan_value_shown,
    tenant_cost_defaults_of,
    tenant_cost_defaults_update,
)
from assessments.views import platform_admin_required
from core.forms import edit_status, show_service_errors
from tenancy.settings_pages import settings_page, tenant_settings


@tenant_settings
def cost_defaults(request, tenant):
    """The client's defaults behind its projects' cost plans; a field left empty takes the platform's."""
    defaults, in_force = tenant_cost_defaults_of(tenant)
    platform = plan_inputs(plan_resolve(None, None))
    origins = dict.fromkeys(platform, "platform")
    form = CostPlanForm(
        request.POST or None,
        plan=plan_inputs(defaults),
        in_force=platform,
        origins=origins,
        # None yet: the form edits the defaults the client would have, so ones written meanwhile are seen.
        edited=defaults or TenantCostDefaults(tenant_id=tenant.pk),
    )
    with transaction.atomic():  # the form's version check holds the defaults' row until the save
        if request.method == "POST" and form.is_valid():
            try:
                tenant_cost_defaults_update(tenant=tenant, actor=request.user, **form.changed_inputs())
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(
                    request, f"Cost defaults of {tenant.name} saved; its projects' estimates are being recalculated."
                )
                return redirect("settings-cost-defaults", tenant.slug)
    values, own = plan_inputs(in_force), plan_origins(in_force)
    rows = [
        {
            "label": COST_PLAN_LABELS[name],
            "value": plan_value_shown(name, values[name]),
            "own": own.get(name) == "tenant",
        }
        for name in PLAN_INPUTS
        if name != "hybrid_api_percent"
    ]
    return settings_page(
        request,
        "assessments/cost_defaults.html",
        tenant,
        "cost_defaults",
        form=form,
        rows=rows,
        status=edit_status(form),
    )


@platform_admin_required
def certifications(request):
    """What each provider holds, with the source and date of each check; record one, or a re-check."""
    form = CertificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row, created = provider_certification_record(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            what = "recorded; the projects it concerns are being re-assessed" if created else "re-checked"
            messages.success(request, f"{row} {what}.")
            return redirect("catalog-certifications")
    return render(
        request,
        "assessments/certifications.html",
        {"form": form, "certifications": provider_certifications()},
    )


@platform_admin_required
def certification_remove(request, pk):
    """Asks first (GET), then removes (POST): a regulated project that relied on the certification
    gets a blocking item until it is recorded again."""
    row = get_object_or_404(ProviderCertification, pk=pk)
    if request.method == "POST":
        provider_certification_remove(actor=request.user, certification=row)
        messages.success(request, f"{row} removed; the projects that relied on it are being re-assessed.")
        return redirect("catalog-certifications")
    return render(request, "assessments/certification_remove.html", {"row": row})
