from django import forms
from django.utils.safestring import mark_safe

from assessments.readiness.certifications import CERTIFICATIONS
from assessments.services.cost_plans import CHOICE_INPUTS, PLAN_INPUTS
from core.forms import VersionedEditForm


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


#: Labels of the cost plan's fields, as the page shows them.
COST_PLAN_LABELS = {
    "api_model": "Cloud API model",
    "size_class": "Self-hosted model size",
    "gpu_instance": "GPU instance",
    "hardware_profile": "On-premises server",
    "on_premises_redundancy": "On-premises spare server",
    "utilisation_percent": "Target GPU utilisation (%)",
    "min_replicas": "Minimum replicas",
    "staff_fte": "Engineers running it (full-time equivalents)",
    "staff_loaded_monthly": "Monthly cost of one engineer (USD)",
    "hybrid_mode": "Hybrid split",
    "hybrid_self_hosted_percent": "Hybrid: share self-hosted (%)",
    "hybrid_api_percent": "Hybrid: share on the cloud API (%)",
    "electricity_per_kwh": "Electricity (USD per kWh)",
    "colocation_per_kw_month": "Colocation (USD per kW a month)",
    "pue": "Power usage effectiveness",
}
_ORIGIN_WORDS = {"tenant": "the client's default", "platform": "the platform default"}


class CostPlanForm(VersionedEditForm, forms.Form):
    """The cost plan on the project page: the page's side of ``services.cost_plans.cost_plan_update``,
    which holds every rule. Text in, so the service parses and judges every value the same way as
    for the API; a field left empty takes the default named under it."""

    def __init__(self, *args, plan: dict, in_force: dict, origins: dict, **kwargs):
        super().__init__(*args, prefix="plan", initial=plan, **kwargs)
        for name in PLAN_INPUTS:
            field = forms.CharField(label=COST_PLAN_LABELS[name], required=False, max_length=200, strip=True)
            if name in CHOICE_INPUTS:
                field = forms.ChoiceField(
                    label=COST_PLAN_LABELS[name],
                    required=False,
                    choices=[("", "Default"), *CHOICE_INPUTS[name].choices],
                )
            if in_force.get(name) is not None and origins.get(name) in _ORIGIN_WORDS:
                choices = CHOICE_INPUTS.get(name)
                shown = dict(choices.choices).get(in_force[name], in_force[name]) if choices else in_force[name]
                field.help_text = f"Empty: {shown}, {_ORIGIN_WORDS[origins[name]]}."
            self.fields[name] = field

    def changed_inputs(self) -> dict:
        """The fields changed from what the plan holds, for the service (empty text: the default)."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class CertificationForm(forms.Form):
    """A certification a provider holds, as checked on a date: the page's side of
    ``services.certifications.provider_certification_record``, which holds the rules."""

    provider = forms.CharField(
        label="Provider key",
        max_length=64,
        # Keys a person types, set as code: a constant, so safe to mark so.
        help_text=mark_safe(
            "As model keys and environments name it: <code>openai</code>, <code>anthropic</code>, <code>aws</code>, "
            "<code>azure</code>, <code>gcp</code>…"
        ),
    )
    provider_name = forms.CharField(
        label="Provider name", max_length=100, required=False, help_text="Empty: the name already on record."
    )
    certification = forms.ChoiceField(label="Certification or agreement", choices=list(CERTIFICATIONS.items()))
    region = forms.CharField(
        label="Region", max_length=64, required=False, help_text="Empty: it holds in every region of the provider."
    )
    verified_on = forms.DateField(
        label="Checked on", widget=forms.DateInput(attrs={"type": "date"}), help_text="The day you checked the source."
    )
    source = forms.CharField(
        label="Source",
        max_length=200,
        help_text="Where it can be checked again: the provider's trust or compliance page.",
    )
