from django.urls import include, path

from assessments import gate_views, questionnaire_views, setting_views, views

catalog = [
    path("", views.catalog, name="catalog"),
    path("prices/<str:provider>/<path:model>/", views.price_history_page, name="catalog-price-history"),
    path("gpus/", views.gpus, name="catalog-gpus"),
    path("hardware/", views.hardware, name="catalog-hardware"),
    path("certifications/", setting_views.certifications, name="catalog-certifications"),
    path("certifications/<int:pk>/remove/", setting_views.certification_remove, name="catalog-certification-remove"),
    path("import/", views.price_import, name="catalog-import"),
    path("import/<int:pk>/", views.price_import_status, name="catalog-import-status"),
]

urlpatterns = [
    path("catalog/", include(catalog)),
    path("settings/<slug:slug>/cost-defaults/", setting_views.cost_defaults, name="settings-cost-defaults"),
    path("projects/<int:pk>/evaluate/", views.project_evaluate, name="project-evaluate"),
    path("projects/<int:pk>/cost-plan/", views.cost_plan_page, name="project-cost-plan"),
    path(
        "projects/<int:pk>/requirements/consequences/",
        questionnaire_views.requirements_consequences,
        name="project-requirements-consequences",
    ),
    path("jobs/<int:pk>/", views.job_status, name="job-status"),
    path(
        "projects/<int:pk>/checklist/<slug:item>/evidence/",
        gate_views.evidence_record_page,
        name="gate-evidence-record",
    ),
    path(
        "projects/<int:pk>/checklist/evidence/<int:evidence_pk>/accept/",
        gate_views.evidence_accept_page,
        name="gate-evidence-accept",
    ),
    path(
        "projects/<int:pk>/checklist/evidence/<int:evidence_pk>/withdraw/",
        gate_views.evidence_withdraw_page,
        name="gate-evidence-withdraw",
    ),
]
