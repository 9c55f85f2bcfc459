from api.routers import Router
from audit.api.views import AuditEventViewSet

router = Router()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
urlpatterns = router.urls
