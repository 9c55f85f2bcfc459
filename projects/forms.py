from django import forms

from projects.models import (
    EvidenceLink,
    HostingApproach,
    RequirementsProfile,
    TicketReference,
    WorkloadType,
)
from projects.selectors import lead_candidates
from projects.services.access import PROJECT_ROLES
from projects.services.projects import EDITABLE_FIELDS, PROFILE_FIELDS, TECHNICAL_PROJECT_FIELDS
from tenancy.models import Role


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


class ProjectEditForm(forms.Form):
    """The project's identity and hosting. Someone with technical rights only sees the technical fields."""

    name = forms.CharField(max_length=200)
    code = forms.CharField(max_length=20, help_text="2 to 20 capital letters, digits or hyphens, e.g. CLM-01.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    delivery_lead = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Nobody yet",
        help_text="One of the client's delivery leads.",
    )
    workload_type = forms.ChoiceField(choices=WorkloadType.choices)
    hosting_approach = forms.ChoiceField(
        choices=HostingApproach.choices,
        label="Model hosting",
        help_text="Hybrid hosting splits traffic by routing rules, edited on their own page.",
    )

    def __init__(self, *args, project, technical_only=False, **kwargs):
        initial = {name: getattr(project, name) for name in EDITABLE_FIELDS if name != "delivery_lead"}
        initial["delivery_lead"] = project.delivery_lead_id
        super().__init__(*args, initial=initial, **kwargs)
        if technical_only:
            for name in set(self.fields) - TECHNICAL_PROJECT_FIELDS:
                del self.fields[name]
        else:
            self.fields["delivery_lead"].queryset = lead_candidates(project)

    def service_fields(self) -> dict:
        """The fields the person changed, for ``project_update``."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class EvidenceForm(forms.Form):
    prefix = "evidence"

    kind = forms.ChoiceField(choices=EvidenceLink.Kind.choices)
    title = forms.CharField(max_length=200)
    url = forms.URLField(max_length=500, required=False, label="Web address", assume_scheme="https")
    reference = forms.CharField(
        max_length=200, required=False, help_text="A contract number or document id, when there is no link."
    )


class TicketForm(forms.Form):
    prefix = "ticket"

    system = forms.ChoiceField(choices=TicketReference.System.choices)
    key = forms.CharField(max_length=64, label="Ticket key", help_text="As the ticketing tool shows it, e.g. OPS-123.")
    url = forms.URLField(max_length=500, required=False, label="Ticket's web address", assume_scheme="https")


class ProjectGrantForm(forms.Form):
    """Give a person or a group a role's rights on one project (``project_access_grant`` decides)."""

    grantee_kind = forms.ChoiceField(
        label="Give access to",
        choices=[("user", "A person"), ("group", "A group")],
        initial="user",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label="Username or group name",
        max_length=150,
        help_text="Someone with a Stagegate account who works for this client or for no client, or a group.",
    )
    role = forms.ChoiceField(
        choices=[(role.value, role.label) for role in PROJECT_ROLES],
        initial=Role.CUSTOMER_VIEWER,
        help_text="Its rights apply to this project only, beside any role they have in the client.",
    )
