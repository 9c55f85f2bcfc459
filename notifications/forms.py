from django import forms

from notifications.models import Kind


class EmailChoicesForm(forms.Form):
    """A checkbox per kind of notification: ticked, it also comes by email."""

    emailed = forms.MultipleChoiceField(
        label="Email me about",
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Whatever you untick still appears under Notifications.",
    )

    @classmethod
    def initial_from(cls, choices: dict[str, bool]) -> dict:
        return {"emailed": [kind for kind, email in choices.items() if email]}

    def choices(self) -> dict[str, bool]:
        return {kind: kind in self.cleaned_data["emailed"] for kind in Kind.values}
