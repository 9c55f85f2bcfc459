from rest_framework.routers import SimpleRouter

from projects.api.views import ApprovalPolicyViewSet, ApprovalRequestViewSet, FreezeWindowViewSet, ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("approval-requests", ApprovalRequestViewSet, basename="approval-request")
router.register("approval-policies", ApprovalPolicyViewSet, basename="approval-policy")
router.register("freeze-windows", FreezeWindowViewSet, basename="freeze-window")
urlpatterns = router.urls
