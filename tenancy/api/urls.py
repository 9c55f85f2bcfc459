from rest_framework.routers import SimpleRouter

from tenancy.api.views import TenantViewSet, TokenViewSet

router = SimpleRouter()
router.register("auth/tokens", TokenViewSet, basename="token")
router.register("tenants", TenantViewSet, basename="tenant")
urlpatterns = router.urls
