from rest_framework.routers import SimpleRouter

from projects.api.views import ApprovalRequestViewSet, ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("approval-requests", ApprovalRequestViewSet, basename="approval-request")
urlpatterns = router.urls
