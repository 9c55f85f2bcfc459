"""Webhooks over the API: subscriptions (customer admins) and their delivery log."""

import django_filters
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from api.base import OneTimeSecretResponse, SafeRetriesMixin
from api.feeds import ChangesFilterSet
from api.fields import DocumentField
from api.filters import FilterBackend
from api.references import VisibleRelatedField, target, visible
from api.serializers import ModelSerializer, Serializer
from tenancy.access import Action, restrict
from tenancy.models import Tenant
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEventType
from webhooks.services import endpoint_delete, endpoint_save, endpoint_secret_rotate, redeliver


class WebhookSerializer(ModelSerializer):
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


class DeliveryAttemptSerializer(Serializer):
    """One entry of a delivery's log: an attempt made (status code, duration, error), one skipped
    because the webhook was switched off, or a redelivery someone asked for."""

    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(
        required=False, allow_null=True, help_text="The receiver's answer; null: none (see error)."
    )
    duration_ms = serializers.IntegerField(required=False, allow_null=True)
    error = serializers.CharField(required=False, help_text="Why the attempt failed; empty when it did not.")
    location = serializers.CharField(required=False, help_text="A redirect's Location, not followed.")
    skipped = serializers.CharField(required=False, help_text="Why it was not sent.")
    redelivery_by = serializers.CharField(required=False, help_text="Who asked for a redelivery.")


class WebhookDeliverySerializer(ModelSerializer):
    attempts = DocumentField(shape=DeliveryAttemptSerializer(many=True), read_only=True)
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


class WebhookFilter(ChangesFilterSet):
    class Meta:
        model = WebhookEndpoint
        fields = []


class EndpointDeliveryFilter(ChangesFilterSet):
    """One webhook's deliveries: the changes feed."""

    class Meta:
        model = WebhookDelivery
        fields = []


class WebhookViewSet(SafeRetriesMixin, viewsets.ModelViewSet):
    """A tenant's webhook subscriptions (customer admins and platform admins).

    The signing secret is in the answer of ``create`` and ``rotate-secret`` only.
    """

    serializer_class = WebhookSerializer
    queryset = WebhookEndpoint.objects.none()  # per caller: see get_queryset
    filterset_class = WebhookFilter
    ordering_fields = ["id", "created_at"]
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
        endpoint = serializer.instance  # from get_object, which has checked If-Match
        serializer.instance = endpoint_save(tenant=endpoint.tenant, actor=self.request.user, endpoint=endpoint, **data)

    def perform_destroy(self, instance):
        endpoint_delete(endpoint=instance, actor=self.request.user)

    @extend_schema(request=None, responses={200: WebhookSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new signing secret, shown in this answer only; the old one also signs for a grace period."""
        return self._with_secret(endpoint_secret_rotate(endpoint=self.get_object(), actor=request.user))

    @extend_schema(responses={200: WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[FilterBackend])
    def deliveries(self, request, pk=None):
        """The webhook's deliveries, newest first; ``updated_since`` makes it a changes feed. (The
        schema shows the webhooks' filters, which are the same two: ``updated_since``, ``updated_before``.)"""
        # Not get_object(): it would filter the webhook itself by this feed's window.
        endpoint = get_object_or_404(self.get_queryset(), pk=pk)
        self.check_object_permissions(request, endpoint)
        feed = EndpointDeliveryFilter(
            request.query_params,
            queryset=WebhookDelivery.objects.filter(endpoint=endpoint).select_related("tenant", "event"),
            request=request,
        )
        if not feed.is_valid():
            raise translate_validation(feed.errors)
        page = self.paginate_queryset(feed.qs.order_by("-id"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


def managed_webhooks(request):
    """The webhooks of the clients the request's user manages (a django-filter ``queryset`` callable)."""
    managed = visible(Tenant, Action.MANAGE)(request)
    return WebhookEndpoint.objects.filter(tenant__in=managed)


class WebhookDeliveryFilter(ChangesFilterSet):
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
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        managed = restrict(Tenant.objects.all(), user=self.request.user, action=Action.MANAGE)
        return WebhookDelivery.objects.filter(tenant__in=managed).select_related("tenant", "event")

    @extend_schema(request=None, responses={200: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        delivery = redeliver(delivery=self.get_object(), actor=request.user)
        return Response(self.get_serializer(delivery).data)
