import copy
from decimal import Decimal

from django import forms

from core.figures import number, usd
from core.forms import VERSION_FIELD, VersionedEditForm
from projects.models import (
    TECHNICAL_FIELDS,
    DataCategory,
    EvidenceLink,
    HostingApproach,
    LatencyNeed,
    RequirementsProfile,
    TicketReference,
    WorkloadType,
)
from projects.selectors import lead_candidates
from projects.services.access import PROJECT_ROLES
from projects.services.projects import EDITABLE_FIELDS, TECHNICAL_PROJECT_FIELDS
from tenancy.access import Action, can
from tenancy.models import Regulation, Role


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


#: The questionnaire's sections, in the order the delivery lead reasons about a project (the seeds'
#: order: the data, the load, where it runs, the model work, the team, then time and money):
#: (key, legend, what the section decides, fields).
PROFILE_SECTIONS = (
    (
        "data",
        "The data",
        "What the system reads and which rules bind it: the first thing that narrows where it may run.",
        ("data_sensitivity", "data_categories", "regulations", "residency", "residency_region"),
    ),
    (
        "traffic",
        "The traffic",
        "How much it will be used and how unevenly: what decides whether own capacity pays off.",
        (
            "monthly_requests",
            "traffic_pattern",
            "peak_ratio",
            "avg_input_tokens",
            "avg_output_tokens",
            "cached_input_percent",
        ),
    ),
    (
        "latency",
        "Latency and connectivity",
        "How fast it must answer and whether the site can reach a remote region at all.",
        ("latency_need", "latency_target_ms", "connectivity"),
    ),
    (
        "model",
        "The model work",
        "How far the model itself must change, and how special the task is.",
        ("customisation", "differentiation"),
    ),
    (
        "team",
        "The team",
        "The skills the delivery team and the client bring: each way of hosting needs its own.",
        ("mlops_capability", "infrastructure_capability", "hardware_capability"),
    ),
    (
        "money",
        "Timeline and money",
        "When it must be in production and what it may cost.",
        ("target_production_date", "monthly_budget", "upfront_budget"),
    ),
)

#: The questionnaire's words: each field's question and one line on why it matters.
PROFILE_LABELS = {
    "data_sensitivity": "How sensitive is the data?",
    "data_categories": "Kinds of data it handles",
    "regulations": "Regulations in scope",
    "residency": "Must the data stay in one region?",
    "residency_region": "Region or country the data must stay in",
    "monthly_requests": "Monthly requests",
    "traffic_pattern": "Traffic pattern",
    "peak_ratio": "Peak-to-average ratio",
    "avg_input_tokens": "Input tokens per request",
    "avg_output_tokens": "Output tokens per request",
    "cached_input_percent": "Share of the input served from the prompt cache (%)",
    "latency_need": "Does a person wait for each answer?",
    "latency_target_ms": "Latency target (milliseconds)",
    "connectivity": "Connectivity at the site",
    "customisation": "How much must the model change?",
    "differentiation": "How specialised is the task?",
    "mlops_capability": "MLOps skills (serving and updating models)",
    "infrastructure_capability": "Container and cloud-infrastructure skills",
    "hardware_capability": "GPU and hardware operations skills",
    "target_production_date": "Target production date",
    "monthly_budget": "Monthly run budget (US dollars)",
    "upfront_budget": "Upfront budget (US dollars)",
}
PROFILE_HINTS = {
    "data_sensitivity": "Confidential or regulated data counts against a cloud API and for hosting the client "
    "controls.",
    "data_categories": "Health or financial data makes the project sensitive whatever its label, and needs at least "
    "confidential.",
    "regulations": "Each regulation asks certifications of a provider: a cloud API without them cannot take "
    "regulated data.",
    "residency": "Strict residency rules out providers without a region in the client's country.",
    "residency_region": "Needed when residency is strict: providers' certifications are checked for this region.",
    "monthly_requests": "Low or spiky volume favours a cloud API; high, steady volume makes own GPUs pay off.",
    "traffic_pattern": "Spiky traffic leaves capacity sized for the peak idle between bursts; an API bills only "
    "what is used.",
    "peak_ratio": "The busiest hour against the average hour: self-hosted capacity is sized for the peak.",
    "avg_input_tokens": "The prompt and context sent with an average request: it drives the API's bill.",
    "avg_output_tokens": "What the model writes back on average: output tokens cost several times input tokens.",
    "cached_input_percent": "Input the provider serves from its prompt cache is billed at a fraction of the price.",
    "latency_need": "Interactive work needs a latency target; batch work can queue and wait.",
    "latency_target_ms": "A very tight target at the edge leaves no time for a round trip to a remote region.",
    "connectivity": "Limited or no connectivity rules out everything served from a remote region, the cloud API "
    "included.",
    "customisation": "Deep changes need open-weight models you host; prompting alone is quickest with a cloud API.",
    "differentiation": "Leading cloud models do generic tasks well; a specialised task repays own customisation.",
    "mlops_capability": "Without them, serving own models is out of reach: a cloud API needs none.",
    "infrastructure_capability": "Self-hosting in the cloud needs them, and so does a hybrid.",
    "hardware_capability": "Owned servers, on premises or in the client's data centre, need them.",
    "target_production_date": "Production in weeks favours a cloud API; self-hosting takes three to six months.",
    "monthly_budget": "The estimated monthly cost of the chosen hosting is checked against it before rollout.",
    "upfront_budget": "Hardware bought before the first month (on premises) must fit it.",
}
#: Answers said as a person would choose them, where the stored labels are too terse for a question.
PROFILE_CHOICES = {
    "data_sensitivity": [
        ("public", "Public: already published or meant to be"),
        ("internal", "Internal: the client's own, not secret"),
        ("confidential", "Confidential: harmful if it leaks"),
        ("regulated", "Regulated: under a law or standard"),
    ],
    "traffic_pattern": [
        ("steady", "Steady: about the same through the day"),
        ("spiky", "Spiky: bursts well above the average"),
    ],
    "latency_need": [
        ("interactive", "Yes: interactive, a person is waiting"),
        ("batch", "No: batch work, answers can wait"),
    ],
    "connectivity": [
        ("online", "Online"),
        ("limited", "Limited: the link is slow or drops"),
        ("offline", "Offline or air-gapped"),
    ],
    "customisation": [
        ("prompting", "Prompting only"),
        ("fine_tuning", "Fine-tuning on the client's data"),
        ("deep_changes", "Deep changes to the model itself"),
    ],
    "differentiation": [
        ("generic", "Generic: summaries, replies, extraction"),
        ("moderate", "Somewhat specialised"),
        ("specialised", "Highly specialised to the client's domain"),
    ],
}
#: Every choice is answered by clicking one of its few options.
RADIO_FIELDS = tuple(field.name for field in RequirementsProfile._meta.concrete_fields if field.choices)


def _ticks(name: str, choices) -> forms.MultipleChoiceField:
    """A list of codes answered by ticking boxes (stored as a JSON list)."""
    return forms.MultipleChoiceField(
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=PROFILE_LABELS[name],
        help_text=PROFILE_HINTS[name],
    )


class ProfileForm(VersionedEditForm, forms.ModelForm):
    """The requirements questionnaire: in ``PROFILE_SECTIONS``, with ``PROFILE_LABELS`` and
    ``PROFILE_HINTS``. The model's validators and ``clean`` refuse implausible values; this form
    only asks."""

    data_categories = _ticks("data_categories", DataCategory.choices)
    regulations = _ticks("regulations", Regulation.choices)

    class Meta:
        model = RequirementsProfile
        fields = [name for _, _, _, names in PROFILE_SECTIONS for name in names]
        labels = PROFILE_LABELS
        help_texts = PROFILE_HINTS
        widgets = {
            "target_production_date": forms.DateInput(attrs={"type": "date"}),
            **dict.fromkeys(RADIO_FIELDS, forms.RadioSelect),
        }

    def __init__(self, *args, tenant=None, technical_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        #: The profile as saved, before this form's answers are put on its instance.
        self.saved = copy.copy(self.instance)
        if technical_only:
            # Shown, not asked: what is posted for them is ignored, and the saved answer stands.
            for name in set(self.fields) - TECHNICAL_FIELDS - {VERSION_FIELD}:
                self.fields[name].disabled = True
                self.fields[name].help_text += " Only someone who may change the whole project can change this answer."
        for name, choices in PROFILE_CHOICES.items():
            self.fields[name].choices = choices
        for field in self.fields.values():
            if not field.required:
                # Never the form's own error, and a ModelForm would put "This field is required." in place of
                # the model's rule that asks for the answer (a region when residency is strict).
                del field.error_messages["required"]
        for name in ("monthly_requests", "avg_input_tokens", "avg_output_tokens", "latency_target_ms"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        if tenant is not None and tenant.regulations:
            names = dict(Regulation.choices)
            in_scope = ", ".join(names.get(code, code) for code in tenant.regulations)
            self.fields["regulations"].help_text += f" {tenant.name} works under {in_scope}."
        if tenant is not None and tenant.residency_region:
            self.fields["residency_region"].help_text += f" {tenant.name}'s usual region: {tenant.residency_region}."

    def sections(self) -> list[dict]:
        """The bound fields section by section, for the template."""
        return [
            {"key": key, "legend": legend, "intro": intro, "fields": [self[name] for name in names]}
            for key, legend, intro, names in PROFILE_SECTIONS
        ]

    def service_fields(self) -> dict:
        """The fields the person changed, for ``profile_update``."""
        return {name: self.cleaned_data[name] for name in self.changed_data}

    def answered(self) -> RequirementsProfile:
        """The answers as an unsaved profile, after ``is_valid``: each accepted answer over the saved
        profile, so that a refused one counts as the saved value until it is fixed (its error says why)."""
        profile = copy.copy(self.saved)
        for name, value in self.cleaned_data.items():
            setattr(profile, name, value)
        return profile


def profile_form(data, *, project, user) -> ProfileForm:
    """The questionnaire of ``project`` as ``user`` may answer it: every question for someone who may
    change the project; for someone with technical rights alone, the technical questions, the others
    shown with their saved answers (``profile_update`` would refuse them)."""
    return ProfileForm(
        data,
        instance=project.profile,
        tenant=project.tenant,
        technical_only=not can(user, project, Action.CHANGE),
    )


def profile_answers(profile: RequirementsProfile) -> list[dict]:
    """A saved profile's answers in words, section by section with the questionnaire's labels."""
    return [
        {
            "key": key,
            "legend": legend,
            "answers": [{"label": PROFILE_LABELS[name], "value": _answer(profile, name)} for name in names],
        }
        for key, legend, _, names in PROFILE_SECTIONS
    ]


def _answer(profile: RequirementsProfile, name: str) -> str:
    value = getattr(profile, name)
    if name in PROFILE_CHOICES:
        return dict(PROFILE_CHOICES[name]).get(value, value)
    if name in RADIO_FIELDS:
        return getattr(profile, f"get_{name}_display")()
    if name in ("data_categories", "regulations"):
        labels = dict(DataCategory.choices if name == "data_categories" else Regulation.choices)
        nothing = "No category chosen" if name == "data_categories" else "No regulation chosen"
        return ", ".join(labels.get(code, code) for code in value) or nothing
    if name == "latency_target_ms" and profile.latency_need == LatencyNeed.BATCH:
        return "Not needed: batch work"
    if value is None or value == "":
        return "Not given"
    if name == "target_production_date":
        return f"{value:%-d %B %Y}"
    if name in ("monthly_budget", "upfront_budget"):
        return usd(value, cents=None)
    if name == "cached_input_percent":
        return f"{value.normalize():f}%"
    if name == "peak_ratio":
        return f"{value.normalize():f} times the average"
    if name == "latency_target_ms":
        return f"{number(value)} ms"
    return number(value) if isinstance(value, int | Decimal) else str(value)


class DecisionForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ProjectEditForm(VersionedEditForm, forms.Form):
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
        super().__init__(*args, initial=initial, edited=project, **kwargs)
        if technical_only:
            for name in set(self.fields) - TECHNICAL_PROJECT_FIELDS - {VERSION_FIELD}:
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
