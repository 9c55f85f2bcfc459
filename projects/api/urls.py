from django.urls import path

from api.routers import Router
from projects.api.access import ProjectAccessViewSet
from projects.api.links import ProjectEvidenceLinkViewSet, ProjectTicketViewSet
from projects.api.views import (
    ApprovalPolicyViewSet,
    ApprovalRequestViewSet,
    FreezeWindowViewSet,
    ProjectViewSet,
    TicketViewSet,
)

router = Router()
router.register("projects", ProjectViewSet, basename="project")
router.register("approval-requests", ApprovalRequestViewSet, basename="approval-request")
router.register("approval-policies", ApprovalPolicyViewSet, basename="approval-policy")
router.register("freeze-windows", FreezeWindowViewSet, basename="freeze-window")
router.register("tickets", TicketViewSet, basename="ticket")
# Nested under the project, like its stage-gate evidence.
nested = Router(use_regex_path=False)
nested.register("projects/<int:project_pk>/tickets", ProjectTicketViewSet, basename="project-ticket")
nested.register(
    "projects/<int:project_pk>/evidence-links", ProjectEvidenceLinkViewSet, basename="project-evidence-link"
)
urlpatterns = [
    *nested.urls,
    *router.urls,
    path(
        "projects/<int:pk>/access/",
        ProjectAccessViewSet.as_view({"get": "list", "post": "create"}),
        name="api-project-access",
    ),
    path(
        "projects/<int:pk>/access/users/<str:name>/",
        ProjectAccessViewSet.as_view({"delete": "destroy_user"}),
        name="api-project-access-user",
    ),
    path(
        "projects/<int:pk>/access/groups/<str:name>/",
        ProjectAccessViewSet.as_view({"delete": "destroy_group"}),
        name="api-project-access-group",
    ),
]
