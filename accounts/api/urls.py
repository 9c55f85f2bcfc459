from rest_framework.routers import SimpleRouter

from accounts.api.views import (
    AuditEventViewSet,
    TenantViewSet,
    TokenViewSet,
    WebhookDeliveryViewSet,
    WebhookViewSet,
)

router = SimpleRouter()
router.register("auth/tokens", TokenViewSet, basename="token")
router.register("tenants", TenantViewSet, basename="tenant")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
urlpatterns = router.urls
