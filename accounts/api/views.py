import csv

import django_filters
from django.contrib.auth import authenticate
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.access import Action, restrict
from accounts.api.base import OneTimeSecretResponse, SafeRetriesMixin
from accounts.api.filters import UtcIsoDateTimeFilter
from accounts.api.references import VisibleRelatedField, target, visible
from accounts.api.throttles import TokenIssueThrottle
from accounts.models import ApiToken, AuditEvent, Tenant, WebhookDelivery, WebhookEndpoint, WebhookEventType
from accounts.services import token_issue, token_revoke
from accounts.webhooks import endpoint_delete, endpoint_save, endpoint_secret_rotate, redeliver


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})
    name = serializers.CharField(required=False, default="API token", max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiToken.Scope.choices), required=False, default=["read"]
    )
    days = serializers.IntegerField(required=False, min_value=1, max_value=366)


class TokenIssuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    token = serializers.CharField(help_text="Shown once: store it now.")
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()


class TokenSerializer(serializers.ModelSerializer):
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


class AuditEventSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "tenant",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "project_id",
            "before",
            "after",
            "source",
            "request_id",
            "created_at",
        ]


class AuditEventFilter(django_filters.FilterSet):
    """``tenant`` names a client the reader manages; ``project`` and ``actor`` match what the log
    recorded (so events of since-deleted projects and people stay findable; an id or name the
    reader cannot see matches nothing, exactly like one that never existed)."""

    tenant = django_filters.ModelChoiceFilter(
        queryset=visible(Tenant, Action.MANAGE), to_field_name="slug", label="Client (slug)"
    )
    action = django_filters.CharFilter()
    project = django_filters.NumberFilter(field_name="project_id")
    actor = django_filters.CharFilter(field_name="actor_name")
    source = django_filters.ChoiceFilter(choices=AuditEvent.Source.choices)
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["tenant", "action", "project", "actor", "source", "since", "until"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log of the tenants the caller manages (customer admins) or every tenant (platform admins)."""

    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()  # per caller: see get_queryset
    filterset_class = AuditEventFilter
    search_fields = ["object_repr", "actor_name", "request_id"]
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        managed = restrict(Tenant.objects.all(), user=self.request.user, action=Action.MANAGE)
        events = AuditEvent.objects.select_related("tenant")
        if not self.request.user.is_platform_admin:
            events = events.filter(tenant__in=managed)
        return events

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(description="The filtered events as CSV (UTF-8).")})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        events = self.filter_queryset(self.get_queryset()).order_by("created_at", "pk")
        columns = [
            "id",
            "created_at",
            "tenant",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "source",
            "request_id",
            "before",
            "after",
        ]

        def rows():
            class Echo:
                def write(self, value):
                    return value

            writer = csv.writer(Echo())
            yield writer.writerow(columns)
            for event in events.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        event.pk,
                        event.created_at.isoformat(),
                        event.tenant.slug if event.tenant else "",
                        event.actor_name,
                        event.action,
                        event.object_type,
                        event.object_id,
                        event.object_repr,
                        event.source,
                        event.request_id,
                        event.before,
                        event.after,
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="stagegate-audit.csv"'
        return response


class WebhookSerializer(serializers.ModelSerializer):
    """A webhook as read and changed: never its signing secret (shown only on creation and rotation)."""

    tenant = VisibleRelatedField(Tenant, slug_field="slug", action=Action.MANAGE)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), required=False, default=list
    )
    previous_secret_valid_until = serializers.DateTimeField(
        source="previous_secret_expires_at",
        read_only=True,
        allow_null=True,
        help_text="After a rotation: until when deliveries are also signed with the replaced secret.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "tenant",
            "url",
            "description",
            "event_types",
            "is_active",
            "consecutive_failures",
            "disabled_reason",
            "previous_secret_valid_until",
            "created_at",
        ]
        read_only_fields = ["consecutive_failures", "disabled_reason", "created_at"]


class WebhookSecretSerializer(WebhookSerializer):
    """The answer to creating a webhook or rotating its secret: the only answers carrying the secret."""

    secret = serializers.CharField(
        read_only=True, help_text="HMAC key for X-Stagegate-Signature-256 and X-Stagegate-Signature. Shown once."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    event_id = serializers.UUIDField(source="event.uid", read_only=True)
    delivery_id = serializers.UUIDField(source="uid", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "tenant",
            "endpoint",
            "delivery_id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ]
        read_only_fields = fields


class WebhookViewSet(SafeRetriesMixin, viewsets.ModelViewSet):
    """A tenant's webhook subscriptions (customer admins and platform admins).

    The signing secret is in the answer of ``create`` and ``rotate-secret`` only.
    """

    serializer_class = WebhookSerializer
    queryset = WebhookEndpoint.objects.none()  # per caller: see get_queryset
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        managed = restrict(Tenant.objects.all(), user=self.request.user, action=Action.MANAGE)
        return WebhookEndpoint.objects.filter(tenant__in=managed).select_related("tenant")

    def _with_secret(self, endpoint, status_code=status.HTTP_200_OK):
        return OneTimeSecretResponse(
            WebhookSecretSerializer(endpoint, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(responses={201: WebhookSecretSerializer})
    def create(self, request, *args, **kwargs):
        # The client the webhook is made under: 404 unseen (unknown or another's alike), 403 not managed.
        tenant = target(request, field="tenant", queryset=Tenant.objects.all(), lookup="slug", action=Action.MANAGE)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("tenant")
        endpoint = endpoint_save(tenant=tenant, actor=request.user, **data)
        return self._with_secret(endpoint, status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("tenant", None)
        endpoint = self.get_object()
        self.check_if_match(self.request, endpoint)
        serializer.instance = endpoint_save(tenant=endpoint.tenant, actor=self.request.user, endpoint=endpoint, **data)

    def perform_destroy(self, instance):
        endpoint_delete(endpoint=instance, actor=self.request.user)

    @extend_schema(request=None, responses={200: WebhookSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new signing secret, shown in this answer only; the old one also signs for a grace period."""
        return self._with_secret(endpoint_secret_rotate(endpoint=self.get_object(), actor=request.user))

    @extend_schema(responses={200: WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        page = self.paginate_queryset(
            WebhookDelivery.objects.filter(endpoint=endpoint).select_related("tenant", "event").order_by("-id")
        )
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


def managed_webhooks(request):
    """The webhooks of the clients the request's user manages (a django-filter ``queryset`` callable)."""
    managed = visible(Tenant, Action.MANAGE)(request)
    return WebhookEndpoint.objects.filter(tenant__in=managed)


class WebhookDeliveryFilter(django_filters.FilterSet):
    """``endpoint`` names a webhook the reader manages; any other id, unknown or another client's, is
    the same "Select a valid choice"."""

    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    endpoint = django_filters.ModelChoiceFilter(queryset=managed_webhooks, label="Webhook (id)")

    class Meta:
        model = WebhookDelivery
        fields = ["status", "endpoint"]


class WebhookDeliveryViewSet(SafeRetriesMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = WebhookDeliverySerializer
    queryset = WebhookDelivery.objects.none()  # per caller: see get_queryset
    filterset_class = WebhookDeliveryFilter

    def get_queryset(self):
        managed = restrict(Tenant.objects.all(), user=self.request.user, action=Action.MANAGE)
        return WebhookDelivery.objects.filter(tenant__in=managed).select_related("tenant", "event")

    @extend_schema(request=None, responses={200: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        delivery = redeliver(delivery=self.get_object(), actor=request.user)
        return Response(self.get_serializer(delivery).data)
