from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_mark_all_read, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_mark_read, name="notification-read"),
    path("me/settings/", views.personal_settings, name="personal-settings"),
]
