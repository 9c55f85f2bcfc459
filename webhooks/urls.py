from django.urls import path

from webhooks import views

# Included under settings/ beside the other tenant settings pages; each pattern names its tenant.
urlpatterns = [
    path("<slug:slug>/webhooks/", views.webhooks, name="settings-webhooks"),
    path("<slug:slug>/webhooks/new/", views.webhook_new, name="settings-webhook-new"),
    path("<slug:slug>/webhooks/<int:pk>/", views.webhook_edit, name="settings-webhook-edit"),
    path("<slug:slug>/webhooks/<int:pk>/delete/", views.webhook_remove, name="settings-webhook-delete"),
    path("<slug:slug>/webhooks/<int:pk>/rotate-secret/", views.webhook_rotate, name="settings-webhook-rotate"),
    path("<slug:slug>/webhooks/<int:pk>/deliveries/", views.webhook_deliveries, name="settings-webhook-deliveries"),
    path("<slug:slug>/deliveries/<int:pk>/redeliver/", views.delivery_redeliver, name="settings-delivery-redeliver"),
]
