from django.urls import re_path

from api.permissions import approve_scope_on_post
from deployments.api.views import ProjectDeploymentViewSet

# The project router's form of a detail route (any non-slash id, a 404 from the view if unknown).
PROJECT = r"^projects/(?P<pk>[^/.]+)"


def _route(method: str, action: str, **initkwargs):
    return ProjectDeploymentViewSet.as_view({method: action}, basename="project", detail=True, **initkwargs)


urlpatterns = [
    re_path(rf"{PROJECT}/deployment-model/$", _route("post", "deployment_model"), name="project-deployment-model"),
    re_path(rf"{PROJECT}/environment/$", _route("patch", "environment"), name="project-environment"),
    re_path(
        rf"{PROJECT}/environment/sign-off/$",
        _route("post", "sign_off", required_scope=approve_scope_on_post),
        name="project-environment-sign-off",
    ),
    re_path(rf"{PROJECT}/routing-rules/$", _route("put", "routing_rules"), name="project-routing-rules"),
]
