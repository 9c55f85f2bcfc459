from api.routers import Router
from webhooks.api.views import WebhookDeliveryViewSet, WebhookViewSet

router = Router()
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
urlpatterns = router.urls
