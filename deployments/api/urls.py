from django.urls import re_path

from api.permissions import approve_scope_on_post
from api.routers import ID_PATTERN
from deployments.api.views import ProjectDeploymentViewSet

# The project router's form of a detail route (an id of ASCII digits, a 404 from the view if unknown).
PROJECT = rf"^projects/(?P<pk>{ID_PATTERN})"


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
