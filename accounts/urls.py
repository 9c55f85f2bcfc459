from django.urls import path

from accounts import views

# Every tenant page names its tenant in its own pattern (not through an include), so that the
# URL walks of the test suite see each one as a page with an object in its path.
urlpatterns = [
    path("", views.settings_index, name="settings"),
    path("<slug:slug>/", views.settings_tenant, name="settings-tenant"),
    path("<slug:slug>/members/", views.members, name="settings-members"),
    path("<slug:slug>/members/<int:pk>/", views.member_change, name="settings-member-change"),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="settings-member-remove"),
    path("<slug:slug>/policies/", views.policies, name="settings-policies"),
    path("<slug:slug>/policies/new/", views.policy_new, name="settings-policy-new"),
    path("<slug:slug>/policies/<int:pk>/", views.policy_edit, name="settings-policy-edit"),
    path("<slug:slug>/policies/<int:pk>/delete/", views.policy_remove, name="settings-policy-delete"),
    path("<slug:slug>/freezes/", views.freezes, name="settings-freezes"),
    path("<slug:slug>/freezes/new/", views.freeze_new, name="settings-freeze-new"),
    path("<slug:slug>/freezes/<int:pk>/", views.freeze_edit, name="settings-freeze-edit"),
    path("<slug:slug>/freezes/<int:pk>/delete/", views.freeze_remove, name="settings-freeze-delete"),
    path("<slug:slug>/webhooks/", views.webhooks, name="settings-webhooks"),
    path("<slug:slug>/webhooks/new/", views.webhook_new, name="settings-webhook-new"),
    path("<slug:slug>/webhooks/<int:pk>/", views.webhook_edit, name="settings-webhook-edit"),
    path("<slug:slug>/webhooks/<int:pk>/delete/", views.webhook_remove, name="settings-webhook-delete"),
    path("<slug:slug>/webhooks/<int:pk>/rotate-secret/", views.webhook_rotate, name="settings-webhook-rotate"),
    path("<slug:slug>/webhooks/<int:pk>/deliveries/", views.webhook_deliveries, name="settings-webhook-deliveries"),
    path("<slug:slug>/deliveries/<int:pk>/redeliver/", views.delivery_redeliver, name="settings-delivery-redeliver"),
    path("<slug:slug>/service-accounts/", views.service_accounts, name="settings-service-accounts"),
    path("<slug:slug>/service-accounts/<int:pk>/tokens/new/", views.token_new, name="settings-token-new"),
    path("<slug:slug>/tokens/<int:pk>/revoke/", views.token_remove, name="settings-token-revoke"),
]
