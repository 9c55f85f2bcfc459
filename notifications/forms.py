from django import forms

from core.forms import VersionedEditForm
from notifications.models import EmailPreference, Kind


class EmailChoicesForm(VersionedEditForm, forms.Form):
    """A checkbox per kind of notification: ticked, it also comes by email.

    It edits the person's choice of each kind (``VersionedEditForm``): a kind never chosen is the
    choice the person would have (email on), so that choices saved meanwhile from another tab, or
    through the API, are not overwritten by a page that did not show them."""

    emailed = forms.MultipleChoiceField(
        label="Email me about",
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Whatever you untick still appears under Notifications.",
    )

    def __init__(self, *args, user, **kwargs):
        stored = {row.kind: row for row in EmailPreference.objects.filter(user=user, kind__in=Kind.values)}
        # One read for what the page shows and for its version: no row is the default, email on.
        choices = tuple(stored.get(kind) or EmailPreference(user_id=user.pk, kind=kind) for kind in Kind.values)
        initial = {"emailed": [choice.kind for choice in choices if choice.email]}
        super().__init__(*args, initial=initial, edited=choices, **kwargs)

    def choices(self) -> dict[str, bool]:
        return {kind: kind in self.cleaned_data["emailed"] for kind in Kind.values}
