"""Browser forms for where a project runs. They parse what a person typed; the rules are the
services' (``deployments.services``), whose errors the views show on the fields they name."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from core.forms import VersionedEditForm
from deployments.models import CustomerCloudEnvironment, RoutingRule
from deployments.services import ENVIRONMENT_FIELDS
from projects.models import DeploymentModel

#: Rows a routing form offers beyond the rules already saved, so that it works without JavaScript.
EMPTY_RULE_ROWS = 2
MAX_RULES = 30
RULE_ERROR_KEY = re.compile(r"^rules\.(?P<index>\d+)(?:\.(?P<field>\w+))?$")

BLANK = [("", "—")]


class RegionListField(forms.CharField):
    """Region names typed as one line, separated by commas; a list to the service."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [item.strip() for item in text.split(",") if item.strip()]


class EnvironmentForm(VersionedEditForm, forms.Form):
    """The client's cloud account or data centre, as ``environment_update`` takes it."""

    kind = forms.ChoiceField(
        choices=CustomerCloudEnvironment.Kind.choices,
        required=False,
        widget=forms.RadioSelect,
        label="Where the client runs it",
        help_text="A data centre records its site; a cloud account its provider, account and regions.",
    )
    site = forms.CharField(
        max_length=200,
        required=False,
        label="Data centre site",
        help_text="For the client's own data centre: where it is, e.g. Bangkok head office, hall B.",
    )
    provider = forms.ChoiceField(
        choices=BLANK + CustomerCloudEnvironment.Provider.choices, required=False, label="Cloud provider"
    )
    account_id = forms.CharField(
        max_length=128,
        required=False,
        label="Account, subscription or project id",
        help_text="As the provider shows it.",
    )
    regions = RegionListField(
        required=False, label="Regions", help_text="Where the workloads run, separated by commas, e.g. eu-west-1."
    )
    residency_regions = RegionListField(
        required=False,
        label="Agreed data-residency regions",
        help_text="Where the client agreed its data may be, separated by commas, e.g. EU.",
    )
    access_pattern = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="How the delivery team gets in: the role or single sign-on set up by the client.",
    )
    network_isolation = forms.ChoiceField(choices=CustomerCloudEnvironment.NetworkIsolation.choices)
    change_process_reference = forms.CharField(
        max_length=200,
        required=False,
        label="Client's change process",
        help_text="A reference to the change-management process the client's releases go through.",
    )

    def __init__(self, *args, environment: CustomerCloudEnvironment | None = None, **kwargs):
        kwargs.setdefault("edited", environment)
        environment = environment or CustomerCloudEnvironment()
        kwargs.setdefault("initial", {}).update({name: getattr(environment, name) for name in ENVIRONMENT_FIELDS})
        super().__init__(*args, **kwargs)

    def environment_fields(self) -> dict:
        """The facts the person changed."""
        fields = {name: self.cleaned_data[name] for name in self.changed_data if name in ENVIRONMENT_FIELDS}
        if not fields.get("kind", True):
            del fields["kind"]  # not chosen on this form: the kind stays as it is
        return fields


class DeploymentModelForm(EnvironmentForm):
    """A switch of deployment model, with the environment facts a customer-cloud project needs."""

    deployment_model = forms.ChoiceField(
        choices=DeploymentModel.choices, widget=forms.RadioSelect, label="Where the project runs"
    )
    field_order = ["deployment_model"]

    def __init__(self, *args, project, **kwargs):
        kwargs.setdefault("initial", {})["deployment_model"] = project.deployment_model
        # The project's model and its environment: a change to either since the page opened refuses the save.
        kwargs["edited"] = (project, kwargs.get("environment"))
        super().__init__(*args, **kwargs)

    @property
    def environment_part(self):
        return [self[name] for name in ENVIRONMENT_FIELDS]


class RoutingRuleForm(forms.Form):
    """One row: which traffic, where it goes, and its share."""

    condition_kind = forms.ChoiceField(choices=BLANK + RoutingRule.ConditionKind.choices, label="Rule applies to")
    data_class = forms.ChoiceField(
        choices=BLANK + RoutingRule.DATA_CLASSES, required=False, help_text="For a data-class rule."
    )
    traffic_condition = forms.ChoiceField(
        choices=BLANK + RoutingRule.TrafficCondition.choices, required=False, help_text="For a traffic rule."
    )
    destination = forms.ChoiceField(choices=BLANK + RoutingRule.Destination.choices, label="Goes to")
    api_model = forms.CharField(
        max_length=200, required=False, label="Cloud API model", help_text="provider:model, e.g. openai:gpt-4o-mini."
    )
    share_percent = forms.DecimalField(max_digits=5, decimal_places=2, label="Share of traffic (%)")

    def rule(self) -> dict:
        """The row as ``routing_rules_replace`` takes one rule."""
        return {name: self.cleaned_data[name] for name in self.base_fields}


class BaseRoutingRuleFormSet(forms.BaseFormSet):
    """The rules in the order shown; blank extra rows are left out, saved rows are dropped with
    their "Remove" box."""

    @classmethod
    def get_default_prefix(cls):
        return "rules"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if forms.formsets.DELETION_FIELD_NAME in form.fields:
            form.fields[forms.formsets.DELETION_FIELD_NAME].label = "Remove this rule"

    def total_form_count(self) -> int:
        """Never fewer rows than none: the count is a hidden field a browser sends back, and one
        sent below zero would be drawn as a row number no address has."""
        return max(0, super().total_form_count())

    def initial_form_count(self) -> int:
        return max(0, super().initial_form_count())

    def sent_forms(self) -> list:
        """The forms whose rules go to the service, in order (a bound formset's, once validated)."""
        if self._errors is None:
            self.full_clean()
        return [
            form
            for index, form in enumerate(self.forms)
            if not self._should_delete_form(form) and (index < self.initial_form_count() or form.has_changed())
        ]

    def rules(self) -> list[dict]:
        return [form.rule() for form in self.sent_forms()]

    def total_share(self) -> Decimal:
        """The shares of the rules shown: as saved before a submit, as typed after one."""
        if not self.is_bound:
            return sum((Decimal(row["share_percent"]) for row in self.initial or []), Decimal("0"))
        return sum(
            (form.cleaned_data.get("share_percent") or Decimal("0") for form in self.sent_forms()),
            Decimal("0"),
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's errors where they belong: ``rules.<i>.<field>`` on that row's field,
        ``rules.<i>`` on the row, the rest (the shares' total, the hosting) on the set."""
        sent = self.sent_forms()
        for key, messages in error.message_dict.items():
            match = RULE_ERROR_KEY.match(key)
            if match and int(match["index"]) < len(sent):
                form, field = sent[int(match["index"])], match["field"]
                form.add_error(field if field in form.fields else None, messages)
            else:
                self.non_form_errors().extend(messages)


RoutingRuleFormSet = forms.formset_factory(
    RoutingRuleForm,
    formset=BaseRoutingRuleFormSet,
    extra=EMPTY_RULE_ROWS,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_RULES,
    absolute_max=MAX_RULES,
    validate_max=True,
)


def rule_initial(rule: RoutingRule) -> dict:
    return {name: getattr(rule, name) for name in RoutingRuleForm.base_fields}


#: The client's two sign-offs, by the ``kind`` ``environment_sign_off`` takes.
SIGN_OFF_LABELS = {
    "access_pattern": "Access pattern approved by the client",
    "data_residency": "Data residency confirmed by the client",
}
#: A missing sign-off is named by its "who" field (``missing_for_customer_cloud``).
SIGN_OFF_BY_FIELDS = {"access_approved_by": "access_pattern", "residency_confirmed_by": "data_residency"}


def sign_off_label(kind: str) -> str:
    return SIGN_OFF_LABELS.get(kind, "Sign-off")


def environment_labels(names) -> list[str]:
    """What a person reads for each environment field name a service or model gives."""
    labels = []
    for name in names:
        if name in SIGN_OFF_BY_FIELDS:
            labels.append(sign_off_label(SIGN_OFF_BY_FIELDS[name]))
        elif name in EnvironmentForm.base_fields:
            field = EnvironmentForm.base_fields[name]
            labels.append(str(field.label or name.replace("_", " ").capitalize()))
        else:
            labels.append(name.replace("_", " ").capitalize())
    return labels


def withdrawal_notes(sign_off_facts: dict) -> list[tuple[str, list[str]]]:
    """For each sign-off, the facts whose change withdraws it, in the form's order."""
    order = list(EnvironmentForm.base_fields)
    return [
        (sign_off_label(kind), environment_labels(sorted(facts, key=order.index)))
        for kind, facts in sign_off_facts.items()
    ]
