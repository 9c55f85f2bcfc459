from django.urls import path

from api.routers import Router
from tenancy.api.views import (
    MemberViewSet,
    ServiceAccountTokenViewSet,
    ServiceAccountViewSet,
    ServiceTokenViewSet,
    TenantViewSet,
    TokenViewSet,
)

router = Router()
router.register("auth/tokens", TokenViewSet, basename="token")
router.register("tenants", TenantViewSet, basename="tenant")
# A tenant's settings, nested under it as its settings pages are.
nested = Router(use_regex_path=False)
nested.register("tenants/<slug:slug>/members", MemberViewSet, basename="tenant-member")
nested.register("tenants/<slug:slug>/tokens", ServiceTokenViewSet, basename="tenant-token")
urlpatterns = [
    *router.urls,
    *nested.urls,
    path(
        "tenants/<slug:slug>/service-accounts/",
        ServiceAccountViewSet.as_view({"get": "list", "post": "create"}),
        name="tenant-service-account-list",
    ),
    path(
        "tenants/<slug:slug>/service-accounts/<str:username>/tokens/",
        ServiceAccountTokenViewSet.as_view({"post": "create"}),
        name="tenant-service-account-tokens",
    ),
]
