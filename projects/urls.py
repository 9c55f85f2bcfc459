from django.urls import path

from projects import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tenants/<slug:slug>/", views.tenant_detail, name="tenant-detail"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
]
