from django.urls import path

from projects import views

urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/<str:verdict>/", views.decide, name="decide"),
    path("tenants/<slug:slug>/", views.tenant_detail, name="tenant-detail"),
    path("projects/new/", views.project_new, name="project-new"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/requirements/", views.project_profile, name="project-profile"),
    path("projects/<int:pk>/evaluate/", views.project_evaluate, name="project-evaluate"),
    path("projects/<int:pk>/promotion/", views.promotion_request, name="project-promotion"),
    path("projects/<int:pk>/stage/<str:move>/", views.stage_move, name="project-stage-move"),
    path("jobs/<int:pk>/", views.job_status, name="job-status"),
]
