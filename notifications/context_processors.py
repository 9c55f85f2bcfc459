from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def bell(request):
    """The unread count for the header's bell: one query, run only when a page shows the bell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user=user))}
