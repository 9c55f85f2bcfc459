"""The approval-policy and freeze-window settings forms."""

from django import forms

from core.forms import VersionedEditForm
from projects.models import ApprovalPolicy, FreezeWindow
from projects.models.rollout import ELIGIBLE_ROLE_CHOICES, PROMOTION_TARGETS

DEFAULT_POLICY_LABEL = "Default (every stage without its own policy)"


#: The form's value for the default policy, whose target stage is blank.
DEFAULT_POLICY_CHOICE = "default"


def _model_field(model, name):
    return model._meta.get_field(name)


class PolicyForm(VersionedEditForm, forms.Form):
    """Every field of an approval policy. The target stage is chosen once, when the policy is written."""

    target_stage = forms.ChoiceField(label="Applies to promotions into")
    required_approvals = forms.IntegerField(
        label="Approvals required", help_text="How many eligible people must approve (1 to 10)."
    )
    eligible_roles = forms.MultipleChoiceField(
        label="Roles that may approve",
        choices=ELIGIBLE_ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="A new policy with no box ticked lets customer approvers and customer admins approve.",
    )
    eligible_users = forms.ModelMultipleChoiceField(
        label="Also these named people",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Each must be able to see this client.",
    )
    require_client_and_delivery = forms.BooleanField(
        label="Needs at least one approval from the client's side and one from the delivery side", required=False
    )
    requester_may_approve = forms.BooleanField(
        label="The person who asked for the promotion may approve it",
        required=False,
        help_text=_model_field(ApprovalPolicy, "requester_may_approve").help_text,
    )
    readiness_gate_required = forms.BooleanField(
        label="The readiness assessment for the target stage must say ready before anyone may ask",
        required=False,
    )
    expiry_hours = forms.IntegerField(
        label="Hours a request stays open", help_text="After this, the request expires (1 to 2160 hours)."
    )

    def __init__(self, *args, candidates, stages=None, **kwargs):
        """``stages``: the target stages still free, offered on a new policy; None when editing one."""
        super().__init__(*args, **kwargs)
        self.fields["eligible_users"].queryset = candidates
        self.fields["eligible_users"].label_from_instance = _person_label
        if stages is None:
            del self.fields["target_stage"]
        else:
            self.fields["target_stage"].choices = stages

    @staticmethod
    def free_stages(taken) -> list[tuple[str, str]]:
        """The default and the promotion targets that have no policy yet."""
        taken = {DEFAULT_POLICY_CHOICE if stage == "" else stage for stage in taken}
        choices = [
            (DEFAULT_POLICY_CHOICE, DEFAULT_POLICY_LABEL),
            *((stage.value, stage.label) for stage in PROMOTION_TARGETS),
        ]
        return [(value, label) for value, label in choices if value not in taken]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["eligible_users"] = list(data["eligible_users"])
        if "target_stage" in data and data["target_stage"] == DEFAULT_POLICY_CHOICE:
            data["target_stage"] = ""
        return data


def _person_label(user) -> str:
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


class FreezeWindowForm(VersionedEditForm, forms.Form):
    """A change freeze; dates and times are read in the client's time zone (the view sets it)."""

    name = forms.CharField(max_length=120, help_text="E.g. 'Year-end close' or 'Weekend freeze'.")
    kind = forms.ChoiceField(
        label="Repeats",
        choices=FreezeWindow.Kind.choices,
        widget=forms.RadioSelect,
        initial=FreezeWindow.Kind.ONE_OFF,
    )
    starts_on = forms.DateTimeField(
        label="Starts (one-off)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_on = forms.DateTimeField(
        label="Ends (one-off)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    start_weekday = forms.TypedChoiceField(
        label="Starts on (weekly)",
        choices=[("", "—"), *FreezeWindow.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    start_time = forms.TimeField(
        label="Starts at (weekly)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_weekday = forms.TypedChoiceField(
        label="Ends on (weekly)",
        choices=[("", "—"), *FreezeWindow.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    end_time = forms.TimeField(
        label="Ends at (weekly)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    is_active = forms.BooleanField(label="In force", required=False, initial=True)

    ONE_OFF_FIELDS = ("starts_on", "ends_on")
    WEEKLY_FIELDS = ("start_weekday", "start_time", "end_weekday", "end_time")

    def clean(self):
        data = super().clean()
        # Only the kind chosen is kept: values typed for the other kind are dropped, not stored.
        unused = self.WEEKLY_FIELDS if data.get("kind") == FreezeWindow.Kind.ONE_OFF else self.ONE_OFF_FIELDS
        for name in unused:
            data[name] = None
        return data

    @classmethod
    def initial_from(cls, window: FreezeWindow) -> dict:
        return {name: getattr(window, name) for name in cls.base_fields}
