from django.urls import path

from deployments import views

urlpatterns = [
    path("projects/<int:pk>/deployment-model/", views.deployment_model, name="project-deployment-model"),
    path("projects/<int:pk>/environment/", views.environment, name="project-environment"),
    path("projects/<int:pk>/sign-off/<str:kind>/", views.sign_off, name="project-sign-off"),
    path("projects/<int:pk>/routing/", views.routing_rules, name="project-routing"),
    path("projects/<int:pk>/routing/row/<int:index>/", views.routing_rule_row, name="project-routing-row"),
]
