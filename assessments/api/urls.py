from django.urls import path

from api.routers import Router
from assessments.api.setting_views import PriceImportViewSet, ProviderCertificationViewSet, TenantCostDefaultsViewSet
from assessments.api.views import (
    ApiPriceViewSet,
    AssessmentViewSet,
    CostEstimateViewSet,
    CostPlanViewSet,
    GateEvidenceViewSet,
    JobViewSet,
)

router = Router()
router.register("jobs", JobViewSet, basename="job")
router.register("prices", ApiPriceViewSet, basename="price")
router.register("certifications", ProviderCertificationViewSet, basename="certification")
router.register("price-imports", PriceImportViewSet, basename="price-import")
# Nested under the project like its results below, with the router's routes for the accept and withdraw actions.
nested = Router(use_regex_path=False)
nested.register("projects/<int:project_pk>/evidence", GateEvidenceViewSet, basename="project-evidence")

runs = {"get": "list", "post": "create"}
urlpatterns = [
    path("projects/<int:project_pk>/assessments/", AssessmentViewSet.as_view(runs), name="project-assessments"),
    path(
        "projects/<int:project_pk>/assessments/<int:pk>/",
        AssessmentViewSet.as_view({"get": "retrieve"}),
        name="project-assessment-detail",
    ),
    path("projects/<int:project_pk>/cost-estimates/", CostEstimateViewSet.as_view(runs), name="project-estimates"),
    path(
        "projects/<int:project_pk>/cost-estimates/<int:pk>/",
        CostEstimateViewSet.as_view({"get": "retrieve"}),
        name="project-estimate-detail",
    ),
    path(
        "projects/<int:project_pk>/cost-plan/",
        CostPlanViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="project-cost-plan",
    ),
    path(
        "tenants/<slug:slug>/cost-defaults/",
        TenantCostDefaultsViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="tenant-cost-defaults",
    ),
    *nested.urls,
    *router.urls,
]
