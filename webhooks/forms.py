"""The webhook settings form."""

from django import forms

from core.forms import VersionedEditForm
from webhooks.models import WebhookEventType


class WebhookForm(VersionedEditForm, forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="Where each event is POSTed, e.g. your ticketing tool's inbound webhook address.",
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave every box empty to receive every event.",
    )
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="Switching a disabled endpoint back on clears its failure count.",
    )

    @classmethod
    def initial_from(cls, endpoint) -> dict:
        return {name: getattr(endpoint, name) for name in cls.base_fields}
