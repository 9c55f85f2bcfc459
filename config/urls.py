from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    # Pages link the SVG icon; browsers still ask for /favicon.ico where no page says so (the JSON API,
    # a file opened directly). Not permanent: the icon's static address changes with its content.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("health/", include("config.health")),
    path(
        "api/v1/",
        include(
            [
                path("", include("tenancy.api.urls")),
                path("", include("audit.api.urls")),
                path("", include("webhooks.api.urls")),
                path("", include("projects.api.urls")),
                path("", include("deployments.api.urls")),
                path("", include("assessments.api.urls")),
                path("", include("notifications.api.urls")),
            ]
        ),
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline style attributes; its page alone may, scripts stay from this site only.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("settings/", include("tenancy.urls")),
    path("settings/", include("projects.rollout_settings.urls")),
    path("settings/", include("webhooks.urls")),
    path("", include("notifications.urls")),
    path("", include("assessments.urls")),
    path("", include("deployments.urls")),
    path("", include("projects.urls")),
]

admin.site.site_header = "Stagegate operations"
admin.site.site_title = "Stagegate"
admin.site.index_title = "Operations"

handler400 = "api.errors.bad_request"
handler403 = "api.errors.permission_denied"
handler404 = "api.errors.not_found"
handler500 = "api.errors.server_error"
