from django.urls import path

from api.routers import Router
from notifications.api.views import NotificationSettingsViewSet, NotificationViewSet

router = Router()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = [
    *router.urls,
    path(
        "me/notification-settings/",
        NotificationSettingsViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-notification-settings",
    ),
]
