from rest_framework.routers import SimpleRouter

from accounts.api.views import AuditEventViewSet, TenantViewSet, TokenViewSet

router = SimpleRouter()
router.register("auth/tokens", TokenViewSet, basename="token")
router.register("tenants", TenantViewSet, basename="tenant")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
urlpatterns = router.urls
