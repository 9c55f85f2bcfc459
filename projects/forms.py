from django import forms

from projects.models import HostingApproach, RequirementsProfile, WorkloadType
from projects.services.projects import PROFILE_FIELDS


class ProjectCreateForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=None, label="Client", empty_label=None)
    name = forms.CharField(max_length=200)
    code = forms.CharField(max_length=20, help_text="2 to 20 capital letters, digits or hyphens, e.g. CLM-01.")
    workload_type = forms.ChoiceField(choices=WorkloadType.choices)
    hosting_approach = forms.ChoiceField(choices=HostingApproach.choices, label="Model hosting")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, tenants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = tenants


class ProfileForm(forms.ModelForm):
    class Meta:
        model = RequirementsProfile
        fields = sorted(PROFILE_FIELDS)
        widgets = {"target_production_date": forms.DateInput(attrs={"type": "date"})}

    def service_fields(self) -> dict:
        """The fields the person changed, for ``profile_update``."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class DecisionForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
