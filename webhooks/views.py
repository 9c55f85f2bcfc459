"""A tenant's webhook settings pages (customer admins): subscriptions, secrets and the delivery log.

The frame (tenant from the URL, managed by the reader, its time zone) is ``tenancy.settings_pages``;
writes go through the webhook services, which check the right again and audit the change.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import edit_status, show_service_errors
from core.validators import whole_number
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
from webhooks import selectors
from webhooks.forms import WebhookForm
from webhooks.services import endpoint_delete, endpoint_save, endpoint_secret_rotate, redeliver, secret_grace_period

DELIVERIES_PER_PAGE = 25


@tenant_settings
def webhooks(request, tenant):
    return settings_page(
        request, "webhooks/webhooks.html", tenant, "webhooks", endpoints=selectors.webhook_endpoint_list(tenant=tenant)
    )


@tenant_settings
def webhook_new(request, tenant):
    if request.method == "POST" and not once_unspent(request):
        return sent_already_page(request, tenant, "webhooks", back_url=reverse("settings-webhooks", args=[tenant.slug]))
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = endpoint_save(tenant=tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            once_spend(request)
            messages.success(request, f"Webhook to {endpoint.url} created.")
            return secret_page(request, "webhooks/webhook_created.html", tenant, "webhooks", endpoint=endpoint)
    return settings_page(
        request, "webhooks/webhook_form.html", tenant, "webhooks", form=form, endpoint=None, once=once_number(request)
    )


@tenant_settings
def webhook_edit(request, tenant, pk):
    endpoint = found_or_404(selectors.webhook_endpoint_get(tenant=tenant, pk=pk))
    form = WebhookForm(request.POST or None, initial=WebhookForm.initial_from(endpoint), edited=endpoint)
    with transaction.atomic():  # the form's version check holds the endpoint's row until the save
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
    return settings_page(
        request,
        "webhooks/webhook_form.html",
        tenant,
        "webhooks",
        form=form,
        endpoint=endpoint,
        status=edit_status(form),
    )


@tenant_settings
def webhook_remove(request, tenant, pk):
    endpoint = found_or_404(selectors.webhook_endpoint_get(tenant=tenant, pk=pk))
    return remove_page(
        request,
        tenant,
        "webhooks",
        back="settings-webhooks",
        remove=lambda: endpoint_delete(endpoint=endpoint, actor=request.user),
        done=f"Webhook to {endpoint.url} deleted.",
        title="Delete a webhook",
        question=f"Stop sending events to {endpoint.url} and delete it?",
        consequence="Its delivery log is deleted with it.",
        button="Delete webhook",
    )


@tenant_settings
def webhook_rotate(request, tenant, pk):
    """Replace a webhook's signing secret: asked first, then the new one shown once."""
    endpoint = found_or_404(selectors.webhook_endpoint_get(tenant=tenant, pk=pk))
    back_url = reverse("settings-webhooks", args=[tenant.slug])
    if request.method == "POST":
        if not once_unspent(request):
            return sent_already_page(request, tenant, "webhooks", back_url=back_url)
        endpoint = endpoint_secret_rotate(endpoint=endpoint, actor=request.user)
        once_spend(request)
        messages.success(request, f"The webhook to {endpoint.url} has a new signing secret.")
        return secret_page(
            request, "webhooks/webhook_created.html", tenant, "webhooks", endpoint=endpoint, rotated=True
        )
    return settings_page(
        request,
        "webhooks/webhook_rotate.html",
        tenant,
        "webhooks",
        endpoint=endpoint,
        grace_hours=round(secret_grace_period().total_seconds() / 3600),
        once=once_number(request),
        cancel_url=back_url,
    )


@tenant_settings
def webhook_deliveries(request, tenant, pk):
    endpoint = found_or_404(selectors.webhook_endpoint_get(tenant=tenant, pk=pk))
    page = Paginator(selectors.webhook_delivery_list(endpoint=endpoint), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for delivery in page:
        delivery.summary = selectors.delivery_summary(delivery)
    return settings_page(request, "webhooks/deliveries.html", tenant, "webhooks", endpoint=endpoint, page=page)


@require_POST
@tenant_settings
def delivery_redeliver(request, tenant, pk):
    delivery = found_or_404(selectors.webhook_delivery_get(tenant=tenant, pk=pk))
    try:
        redeliver(delivery=delivery, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {delivery.event.get_event_type_display().lower()} event will be sent again.")
    url = reverse("settings-webhook-deliveries", args=[tenant.slug, delivery.endpoint_id])
    page = whole_number(request.POST.get("page", ""))
    return redirect(f"{url}?page={page}" if page is not None else url)
