"""Forms of the tenant settings pages. They parse input only: the services decide and validate."""

from django import forms
from django.conf import settings

from accounts.models import ApiToken
from core.forms import VersionedEditForm
from tenancy.models import Role


class MemberAddForm(forms.Form):
    person = forms.CharField(
        label="Username or e-mail address",
        max_length=254,
        help_text="Someone who already has a Stagegate account.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CUSTOMER_VIEWER)
    all_projects = forms.BooleanField(
        label="Reaches all of this client's projects",
        required=False,
        initial=True,
        help_text="Untick to limit the role to projects granted one by one.",
    )


class MemberChangeForm(VersionedEditForm, forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    all_projects = forms.BooleanField(
        label="Reaches all of this client's projects",
        required=False,
        help_text="Untick to limit the role to projects granted one by one.",
    )


class ServiceAccountForm(forms.Form):
    username = forms.CharField(
        label="Name",
        max_length=150,
        help_text="A username for the integration, e.g. 'jira-bridge'. Letters, digits and @ . + - _ only.",
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.CUSTOMER_VIEWER,
        help_text="Its tokens act with this role's rights, within their scopes.",
    )


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'Jira production'.")
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[ApiToken.Scope.READ],
        help_text="Read lists and pages; write changes; approve relays decisions.",
    )
    days = forms.IntegerField(
        label="Valid for (days)",
        required=False,
        help_text=f"1 to 366; empty: {settings.API_TOKEN_DEFAULT_DAYS} days.",
    )
