from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny

from accounts.models import ApiToken
from api.base import OneTimeSecretResponse, SafeRetriesMixin
from api.throttles import TokenIssueThrottle
from tenancy.access import Action, restrict
from tenancy.models import Regulation, Tenant
from tenancy.services import token_issue, token_revoke


def _scopes(**kwargs):
    return serializers.ListField(child=serializers.ChoiceField(choices=ApiToken.Scope.choices), **kwargs)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})
    name = serializers.CharField(required=False, default="API token", max_length=100)
    scopes = _scopes(required=False, default=["read"])
    days = serializers.IntegerField(required=False, min_value=1, max_value=366)


class TokenIssuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    token = serializers.CharField(help_text="Shown once: store it now.")
    scopes = _scopes()
    expires_at = serializers.DateTimeField()


class TokenSerializer(serializers.ModelSerializer):
    scopes = _scopes(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at", "created_at"]


class TokenViewSet(SafeRetriesMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Issue a personal token with username and password; list and revoke your own tokens."""

    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()  # per caller: see get_queryset

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    def get_permissions(self):
        return [AllowAny()] if self.action == "create" else super().get_permissions()

    def get_throttles(self):
        return [TokenIssueThrottle()] if self.action == "create" else super().get_throttles()

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            201: TokenIssuedSerializer,
            400: OpenApiResponse(description="Invalid input"),
            401: OpenApiResponse(description="Wrong username or password"),
            429: None,
        },
        auth=[],
    )
    def create(self, request, *args, **kwargs):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["username"], password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed("Wrong username or password.")
        record, token = token_issue(
            user=user,
            name=data.validated_data["name"],
            scopes=data.validated_data["scopes"],
            days=data.validated_data.get("days"),
        )
        body = {"id": record.pk, "token": token, "scopes": record.scopes, "expires_at": record.expires_at}
        return OneTimeSecretResponse(TokenIssuedSerializer(body).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        token_revoke(token=instance, actor=self.request.user)


class TenantSerializer(serializers.ModelSerializer):
    regulations = serializers.ListField(
        child=serializers.ChoiceField(choices=Regulation.choices), read_only=True, help_text="Regulations in scope."
    )

    class Meta:
        model = Tenant
        fields = ["id", "slug", "name", "industry", "regulations", "residency_region", "time_zone"]


class TenantViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TenantSerializer
    queryset = Tenant.objects.none()  # per caller: see get_queryset
    search_fields = ["name", "slug"]
    ordering_fields = ["id", "name"]
    lookup_field = "slug"

    def get_queryset(self):
        return restrict(Tenant.objects.all(), user=self.request.user, action=Action.VIEW)
