from django import forms


class CatalogSearchForm(forms.Form):
    q = forms.CharField(label="Model or provider", max_length=100, required=False, strip=True)


class GateEvidenceForm(forms.Form):
    """What satisfies one checklist item: the page's side of ``evidence_record``."""

    note = forms.CharField(
        label="What is the evidence?",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A sentence or two an approver can check, e.g. “Classification agreed with Dana Ruiz on 3 Nov”.",
    )
    url = forms.URLField(label="Link", required=False, max_length=500, assume_scheme="https")
    reference = forms.CharField(label="Document reference", required=False, max_length=200)
    expires_on = forms.DateField(
        label="Counts until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty if it does not expire. After this day the item fails again.",
    )

    def __init__(self, *args, item: str, **kwargs):
        super().__init__(*args, prefix=f"evidence-{item}", **kwargs)
