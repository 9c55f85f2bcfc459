from django.urls import path

from projects import access_views, approval_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", approval_views.inbox, name="inbox"),
    path("inbox/<int:pk>/<str:verdict>/", approval_views.decide, name="decide"),
    path("requests/mine/", approval_views.my_requests, name="my-requests"),
    path("requests/<int:pk>/freeze-override/", approval_views.freeze_override, name="freeze-override"),
    path("tenants/<slug:slug>/", views.tenant_detail, name="tenant-detail"),
    path("projects/", views.project_list_page, name="project-list"),
    path("projects/new/", views.project_new, name="project-new"),
    path("projects/clients/", views.client_suggestions_list, name="project-client-suggestions"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/requirements/", views.project_profile, name="project-profile"),
    path("projects/<int:pk>/promotion/", views.promotion_request, name="project-promotion"),
    path("projects/<int:pk>/stage/<str:move>/", views.stage_move, name="project-stage-move"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<int:pk>/evidence/", views.project_evidence, name="project-evidence"),
    path(
        "projects/<int:pk>/evidence/<int:link_pk>/remove/",
        views.project_evidence_remove,
        name="project-evidence-remove",
    ),
    path("projects/<int:pk>/access/", access_views.project_access, name="project-access"),
    path("projects/<int:pk>/access/revoke/", access_views.project_access_revoke_page, name="project-access-revoke"),
    path("projects/<int:pk>/tickets/", views.project_tickets, name="project-tickets"),
    path(
        "projects/<int:pk>/tickets/<int:ticket_pk>/remove/", views.project_ticket_remove, name="project-ticket-remove"
    ),
]
