from django.urls import path

from tenancy import views

# Every tenant page names its tenant in its own pattern (not through an include), so that the
# URL walks of the test suite see each one as a page with an object in its path.
urlpatterns = [
    path("", views.settings_index, name="settings"),
    path("<slug:slug>/", views.settings_tenant, name="settings-tenant"),
    path("<slug:slug>/members/", views.members, name="settings-members"),
    path("<slug:slug>/members/<int:pk>/", views.member_change, name="settings-member-change"),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="settings-member-remove"),
    path("<slug:slug>/service-accounts/", views.service_accounts, name="settings-service-accounts"),
    path("<slug:slug>/service-accounts/<int:pk>/tokens/new/", views.token_new, name="settings-token-new"),
    path("<slug:slug>/tokens/<int:pk>/revoke/", views.token_remove, name="settings-token-revoke"),
]
