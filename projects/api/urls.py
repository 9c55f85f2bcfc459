from rest_framework.routers import SimpleRouter

from projects.api.views import (
    ApprovalPolicyViewSet,
    ApprovalRequestViewSet,
    FreezeWindowViewSet,
    ProjectTicketViewSet,
    ProjectViewSet,
    TicketViewSet,
)

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("approval-requests", ApprovalRequestViewSet, basename="approval-request")
router.register("approval-policies", ApprovalPolicyViewSet, basename="approval-policy")
router.register("freeze-windows", FreezeWindowViewSet, basename="freeze-window")
router.register("tickets", TicketViewSet, basename="ticket")
# Nested under the project, like its evidence.
nested = SimpleRouter(use_regex_path=False)
nested.register("projects/<int:project_pk>/tickets", ProjectTicketViewSet, basename="project-ticket")
urlpatterns = [*nested.urls, *router.urls]
