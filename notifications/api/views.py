"""A person's notifications over the API: their own only; another's id is a 404, like an unknown one.
And their own choices of which kinds also come by email."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.models import User
from api.base import CallerObjectMixin, SafeRetriesMixin, etag_of
from api.feeds import ChangesFilterSet
from api.serializers import ModelSerializer, Serializer
from notifications.models import Kind, Notification
from notifications.selectors import notification_list
from notifications.services import email_choices, email_choices_save, notification_read, notifications_read_all


class NotificationSerializer(ModelSerializer):
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


class NotificationFilter(ChangesFilterSet):
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


class EmailChoicesSerializer(Serializer):
    """One flag per kind of notification: true, it also comes by email (every kind does unless
    turned off); false, it appears under notifications only."""

    #: Whether every kind is in the body (as answered) or only those to change (as sent).
    every_kind = True

    def get_fields(self):
        return {
            kind: serializers.BooleanField(required=self.every_kind, help_text=label) for kind, label in Kind.choices
        }


class EmailChoicesChangeSerializer(EmailChoicesSerializer):
    """The kinds whose choice changes; the others keep theirs."""

    every_kind = False
    unknown_field_message = None  # passed on: the service refuses a name that is no kind, in its words


class NotificationSettingsSerializer(Serializer):
    email = EmailChoicesSerializer(help_text="Which kinds of notification also come by email.")

    def to_representation(self, user):
        return {"email": email_choices(user=user)}


class NotificationSettingsChangeSerializer(Serializer):
    email = EmailChoicesChangeSerializer(help_text="The kinds to change, each true (email too) or false.")

    unknown_field_message = "Not a notification setting."


class NotificationSettingsViewSet(SafeRetriesMixin, CallerObjectMixin, viewsets.GenericViewSet):
    """The caller's own notification settings, as on their settings page: which kinds of
    notification also come by email. Read them (with their ETag), change some (PATCH)."""

    serializer_class = NotificationSettingsSerializer
    queryset = User.objects.none()  # the caller's own: see caller_object
    pagination_class = None
    filter_backends = []

    def caller_object(self):
        return User.objects.get(pk=self.request.user.pk)

    @extend_schema(
        request=NotificationSettingsChangeSerializer,
        responses={200: NotificationSettingsSerializer},
        examples=[
            OpenApiExample("No more reminder emails", {"email": {"approval_reminder": False}}, request_only=True)
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        """Change the choices sent; a kind that is not one is a 400 naming it, and nothing changes."""
        user = self.get_object()
        serializer = NotificationSettingsChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        choices = dict(serializer.validated_data.get("email", {}))
        # A name that is no kind is passed on as sent, for the service to refuse by name.
        choices |= {name: value for name, value in request.data.get("email", {}).items() if name not in choices}
        try:
            email_choices_save(user=user, choices=choices)
        except DjangoValidationError as error:
            raise ValidationError({"email": error.message_dict}) from None
        data = self.get_serializer(user).data
        return Response(data, headers={"ETag": etag_of(data)})
