from django.urls import path

from projects.rollout_settings import views

# Included under settings/ beside the other tenant settings pages; each pattern names its tenant.
urlpatterns = [
    path("<slug:slug>/policies/", views.policies, name="settings-policies"),
    path("<slug:slug>/policies/new/", views.policy_new, name="settings-policy-new"),
    path("<slug:slug>/policies/<int:pk>/", views.policy_edit, name="settings-policy-edit"),
    path("<slug:slug>/policies/<int:pk>/delete/", views.policy_remove, name="settings-policy-delete"),
    path("<slug:slug>/freezes/", views.freezes, name="settings-freezes"),
    path("<slug:slug>/freezes/new/", views.freeze_new, name="settings-freeze-new"),
    path("<slug:slug>/freezes/<int:pk>/", views.freeze_edit, name="settings-freeze-edit"),
    path("<slug:slug>/freezes/<int:pk>/delete/", views.freeze_remove, name="settings-freeze-delete"),
]
