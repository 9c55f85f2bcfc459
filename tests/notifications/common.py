"""What the notification tests read back."""

from notifications.models import Notification


def told(kind=None, **filters) -> set[str]:
    """The usernames notified (of ``kind``, and matching ``filters``)."""
    notifications = Notification.objects.filter(**filters)
    if kind is not None:
        notifications = notifications.filter(kind=kind)
    return set(notifications.values_list("recipient__username", flat=True))
