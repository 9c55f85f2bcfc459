"""Reads on notifications: a person only ever reads their own."""

from notifications.models import Notification


def notification_list(*, user, unread: bool | None = None):
    """The person's notifications, newest first, with what their page shows (tenant, for its time zone)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    notifications = Notification.objects.filter(recipient=user).select_related("tenant")
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications.order_by("-created_at", "-pk")


def unread_count(*, user) -> int:
    """The bell's number: one COUNT over an index."""
    return Notification.objects.filter(recipient=user, read_at=None).count()
