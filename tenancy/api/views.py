"""Tenants, tokens and a tenant's settings in the API: members and roles, service accounts and
their tokens.

A tenant's settings answer exactly as its settings pages (``tenancy.views``) and call the same
selectors and services: the tenant in the path is a 404 for a caller who may not see it and a 403
for one who sees it but does not manage it (customer admins and platform admins do), checked before
anything else of the request is read. A member, service account or token named in the path is
looked up inside that tenant only, so another tenant's answers the same 404 as an unknown one.
"""

from django.contrib.auth import authenticate
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import ApiToken
from api.base import OneTimeSecretResponse, SafeRetriesMixin, etag_of
from api.filters import FilterBackend
from api.throttles import TokenIssueThrottle
from tenancy import selectors
from tenancy.access import Action, get_for_user_or_404, restrict
from tenancy.api.filters import TenantFilter, TokenFilter
from tenancy.api.serializers import (
    MemberAddSerializer,
    MemberChangeSerializer,
    MemberSerializer,
    ServiceAccountCreateSerializer,
    ServiceAccountSerializer,
    ServiceTokenSerializer,
    TenantSerializer,
    TokenIssuedSerializer,
    TokenIssueSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from tenancy.models import Membership, Tenant
from tenancy.services import (
    membership_add,
    membership_grant,
    membership_revoke,
    service_account_create,
    token_issue,
    token_revoke,
)


def issued(record: ApiToken, token: str) -> OneTimeSecretResponse:
    """The 201 of a new token: its secret, this once (never kept for an Idempotency-Key replay)."""
    body = {"id": record.pk, "token": token, "scopes": record.scopes, "expires_at": record.expires_at}
    return OneTimeSecretResponse(TokenIssuedSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenViewSet(SafeRetriesMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Issue a personal token with username and password; list and revoke your own tokens."""

    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()  # per caller: see get_queryset
    filterset_class = TokenFilter
    ordering_fields = ["id", "created_at", "expires_at"]

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
        return issued(record, token)

    def perform_destroy(self, instance):
        token_revoke(token=instance, actor=self.request.user)


class TenantViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TenantSerializer
    queryset = Tenant.objects.none()  # per caller: see get_queryset
    filterset_class = TenantFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["id", "name"]
    lookup_field = "slug"

    def get_queryset(self):
        return restrict(Tenant.objects.all(), user=self.request.user, action=Action.VIEW)


# --- A tenant's settings -----------------------------------------------------------------------

ERRORS = {
    400: OpenApiResponse(description="Invalid input: the error names each field and the rule it broke."),
    403: OpenApiResponse(description="Allowed to see this client, not to manage it (or the token's scopes)."),
    404: OpenApiResponse(description="No such client, member, service account or token, or another client's."),
}
READ_ERRORS = {403: ERRORS[403], 404: ERRORS[404]}


class TenantSettingsMixin:
    """For views under ``tenants/{slug}/``: the tenant, which the caller must manage, loaded once
    per request before the action runs (404 unseen, 403 seen but not managed), and no filters."""

    filter_backends = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tenant()

    def tenant(self) -> Tenant:
        if getattr(self, "_tenant", None) is None:
            self._tenant = get_for_user_or_404(
                Tenant.objects.all(), user=self.request.user, action=Action.MANAGE, slug=self.kwargs["slug"]
            )
        return self._tenant


class MemberViewSet(TenantSettingsMixin, SafeRetriesMixin, viewsets.GenericViewSet):
    """The client's members and their roles (people and service accounts), as on its members page."""

    serializer_class = MemberSerializer
    queryset = Membership.objects.none()  # per tenant: see get_queryset
    pagination_class = None  # the people of one client, all at once, as on the page
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    lookup_value_converter = "str"

    def get_queryset(self):
        return selectors.memberships(tenant=self.tenant())

    def member_data(self, membership) -> dict:
        membership.project_grants = selectors.member_grants(tenant=self.tenant(), user=membership.user)
        return MemberSerializer(membership).data

    def etag_for(self, obj) -> str:
        return etag_of(self.member_data(obj))

    def _answer(self, membership, status_code=status.HTTP_200_OK):
        data = self.member_data(membership)
        return Response(data, status=status_code, headers={"ETag": etag_of(data)})

    @extend_schema(responses={200: MemberSerializer(many=True), **READ_ERRORS})
    def list(self, request, *args, **kwargs):
        """Everyone with a role in the client, by username, with their rights on single projects."""
        memberships, _ = selectors.member_list(tenant=self.tenant())
        return Response(MemberSerializer(memberships, many=True).data)

    @extend_schema(
        request=MemberAddSerializer,
        responses={201: MemberSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Make a colleague an approver of granted projects only",
                {"person": "nadia.chan@acme.example", "role": "customer_approver", "all_projects": False},
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Give someone who has an account, and no role here yet, a role in the client. Someone
        already a member is refused on ``person`` (change their role instead); a name nobody has
        and another client's person get the same answer."""
        data = MemberAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = selectors.person_find(identifier=data.validated_data["person"], viewer=request.user)
        membership = membership_add(
            tenant=self.tenant(),
            user=person,
            role=data.validated_data["role"],
            all_projects=data.validated_data["all_projects"],
            actor=request.user,
        )
        return self._answer(membership, status.HTTP_201_CREATED)

    @extend_schema(responses={200: MemberSerializer, **READ_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(request=MemberChangeSerializer, responses={200: MemberSerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        """Change the role or its reach; a field left out keeps its value. Taking the role of
        customer admin from the client's last one is refused (on ``user``)."""
        membership = self.get_object()
        data = MemberChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = membership_grant(
            tenant=self.tenant(),
            user=membership.user,
            role=data.validated_data.get("role", membership.role),
            all_projects=data.validated_data.get("all_projects", membership.all_projects),
            actor=request.user,
        )
        return self._answer(membership)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request, *args, **kwargs):
        """Take the role away (rights held on single projects stay until taken back). The client's
        last customer admin cannot be removed (400, on ``user``)."""
        membership = self.get_object()
        membership_revoke(tenant=self.tenant(), user=membership.user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceAccountViewSet(TenantSettingsMixin, SafeRetriesMixin, viewsets.GenericViewSet):
    """The client's service accounts, each with its role and every token it was issued."""

    serializer_class = ServiceAccountSerializer
    queryset = Membership.objects.none()  # per tenant: see list
    pagination_class = None  # a handful per client, as on the page

    @extend_schema(responses={200: ServiceAccountSerializer(many=True), **READ_ERRORS})
    def list(self, request, *args, **kwargs):
        accounts = selectors.service_account_list(tenant=self.tenant())
        return Response(ServiceAccountSerializer(accounts, many=True).data)

    @extend_schema(
        request=ServiceAccountCreateSerializer,
        responses={201: ServiceAccountSerializer, **ERRORS},
        examples=[OpenApiExample("A Jira bridge", {"username": "jira-bridge", "role": "customer_viewer"})],
    )
    def create(self, request, *args, **kwargs):
        """Create a service account: a member of this client that acts through tokens only."""
        data = ServiceAccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = service_account_create(tenant=self.tenant(), actor=request.user, **data.validated_data)
        membership = selectors.memberships(tenant=self.tenant()).get(user=account)
        membership.user.tokens = []  # just created: none issued yet
        return Response(ServiceAccountSerializer(membership).data, status=status.HTTP_201_CREATED)


class ServiceAccountTokenViewSet(TenantSettingsMixin, SafeRetriesMixin, viewsets.GenericViewSet):
    """Tokens issued to one of the client's service accounts."""

    serializer_class = TokenIssuedSerializer
    queryset = ApiToken.objects.none()  # issued only: see create

    @extend_schema(
        request=TokenIssueSerializer,
        responses={201: TokenIssuedSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Jira reads and writes for a year",
                {"name": "Jira production", "scopes": ["read", "write"], "days": 365},
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Issue the service account a token. The answer shows the token this once: it is stored
        as a hash only, and a retry with the same Idempotency-Key is a 409, not a second copy."""
        account = selectors.service_account_get(tenant=self.tenant(), username=kwargs["username"])
        if account is None:
            raise Http404
        data = TokenIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record, token = token_issue(
            user=account,
            actor=request.user,
            name=data.validated_data["name"],
            scopes=data.validated_data["scopes"],
            days=data.validated_data.get("days"),
        )
        return issued(record, token)


class ServiceTokenViewSet(
    TenantSettingsMixin, SafeRetriesMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The tokens of the client's service accounts, newest first (never their secret); revoke one."""

    serializer_class = ServiceTokenSerializer
    queryset = ApiToken.objects.none()  # per tenant: see get_queryset
    filter_backends = [FilterBackend]  # the changes feed only
    filterset_class = TokenFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return selectors.service_tokens(tenant=self.tenant())

    @extend_schema(responses={204: None, **READ_ERRORS})
    def destroy(self, request, *args, **kwargs):
        """Revoke the token: anything still using it is refused from now on. Revoking one already
        revoked changes nothing."""
        token_revoke(token=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
