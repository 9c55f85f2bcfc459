"""A person's notifications over the API: their own only; another's id is a 404, like an unknown one."""

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import SafeRetriesMixin
from notifications.models import Kind, Notification
from notifications.selectors import notification_list
from notifications.services import notification_read, notifications_read_all


class NotificationSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    project = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    link = serializers.CharField(read_only=True, help_text="The path of the page it is about, on this site.")
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "tenant",
            "project",
            "subject",
            "sentence",
            "detail",
            "link",
            "unread",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields

    def get_unread(self, notification) -> bool:
        return notification.read_at is None


class NotificationFilter(django_filters.FilterSet):
    """``unread=true`` the unread ones, ``unread=false`` the read ones; any other value is a 400 naming it
    (a lenient boolean would answer every notification to a typo)."""

    unread = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_unread", label="Unread (true) or read (false)"
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")


class NotificationViewSet(SafeRetriesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first; mark one or all of them read."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # per caller: see get_queryset
    filterset_class = NotificationFilter
    search_fields = ["sentence", "subject"]
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return notification_list(user=self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this notification read (again: nothing changes)."""
        notification = notification_read(notification=self.get_object(), user=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("NotificationsReadAll", {"marked": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification of the caller read; ``marked`` says how many were unread."""
        return Response({"marked": notifications_read_all(user=request.user)})
