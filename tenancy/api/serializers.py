"""The API's tenants, members and tokens: one serializer to read and one to write where they differ.
They parse and render only: the rules are the services' (``tenancy.services``)."""

from django.conf import settings
from rest_framework import serializers

from accounts.models import ApiToken, User
from api.serializers import ModelSerializer, Serializer
from tenancy.models import Regulation, Role, Tenant
from tenancy.selectors import GRANT_ACTIONS


class TenantSerializer(ModelSerializer):
    regulations = serializers.ListField(
        child=serializers.ChoiceField(choices=Regulation.choices), read_only=True, help_text="Regulations in scope."
    )

    class Meta:
        model = Tenant
        fields = ["id", "slug", "name", "industry", "regulations", "residency_region", "time_zone"]


# --- Tokens ----------------------------------------------------------------------------------


class TokenIssueSerializer(Serializer):
    """A token to issue: what uses it, what it may do, how long it lives."""

    name = serializers.CharField(max_length=100, help_text="What uses it, e.g. 'Jira production'.")
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiToken.Scope.choices),
        required=False,
        default=[ApiToken.Scope.READ],
        help_text="read: lists and objects; write: changes; approve: relays approval decisions.",
    )
    days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=366,
        help_text=f"How long it is valid: 1 to 366 days (default {settings.API_TOKEN_DEFAULT_DAYS}).",
    )


class TokenRequestSerializer(TokenIssueSerializer):
    """A personal token, for the username and password of its owner."""

    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})
    name = serializers.CharField(required=False, default="API token", max_length=100)


class TokenIssuedSerializer(Serializer):
    id = serializers.IntegerField()
    token = serializers.CharField(help_text="Shown once: store it now.")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiToken.Scope.choices))
    expires_at = serializers.DateTimeField()


class TokenSerializer(ModelSerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiToken.Scope.choices), read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at", "created_at"]


class ServiceTokenSerializer(TokenSerializer):
    """A token of one of the client's service accounts (never its secret)."""

    service_account = serializers.CharField(source="user.username", help_text="The service account's username.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "service_account"]


# --- Members -------------------------------------------------------------------------------


class MemberProjectGrantSerializer(Serializer):
    project = serializers.IntegerField(source="project_id", help_text="The project's id.")
    code = serializers.CharField()
    name = serializers.CharField()
    actions = serializers.ListField(child=serializers.ChoiceField(choices=[str(action) for action in GRANT_ACTIONS]))


class MemberSerializer(Serializer):
    """A role in the client, and what the person holds on single projects beyond it."""

    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.__str__")
    kind = serializers.ChoiceField(choices=User.Kind.choices, source="user.kind")
    role = serializers.ChoiceField(choices=Role.choices)
    all_projects = serializers.BooleanField(
        help_text="Whether the role reaches all of the client's projects; off: only those granted one by one."
    )
    created_at = serializers.DateTimeField()
    project_grants = MemberProjectGrantSerializer(
        many=True, help_text="Rights given on single projects of this client (see /projects/{id}/access/)."
    )


class MemberAddSerializer(Serializer):
    person = serializers.CharField(
        max_length=254, help_text="The username or e-mail address of someone who already has an account."
    )
    role = serializers.ChoiceField(choices=Role.choices)
    all_projects = serializers.BooleanField(
        required=False, default=True, help_text="Off: the role reaches only projects granted one by one."
    )


class MemberChangeSerializer(Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    all_projects = serializers.BooleanField(required=False)


# --- Service accounts ------------------------------------------------------------------------


class ServiceAccountSerializer(Serializer):
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=Role.choices, help_text="Its tokens act with this role's rights.")
    created_at = serializers.DateTimeField()
    tokens = TokenSerializer(many=True, source="user.tokens", help_text="Every token it was issued, newest first.")


class ServiceAccountCreateSerializer(Serializer):
    username = serializers.CharField(
        max_length=150, help_text="A name for the integration, e.g. 'jira-bridge'. Letters, digits and @ . + - _ only."
    )
    role = serializers.ChoiceField(choices=Role.choices)
