from django.urls import path
from rest_framework.routers import SimpleRouter

from notifications.api.views import NotificationSettingsViewSet, NotificationViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = [
    *router.urls,
    path(
        "me/notification-settings/",
        NotificationSettingsViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-notification-settings",
    ),
]
