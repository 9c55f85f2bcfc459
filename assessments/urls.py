from django.urls import include, path

from assessments import views

catalog = [
    path("", views.catalog, name="catalog"),
    path("prices/<str:provider>/<path:model>/", views.price_history_page, name="catalog-price-history"),
    path("gpus/", views.gpus, name="catalog-gpus"),
    path("hardware/", views.hardware, name="catalog-hardware"),
    path("import/", views.price_import, name="catalog-import"),
    path("import/<int:pk>/", views.price_import_status, name="catalog-import-status"),
]

urlpatterns = [
    path("catalog/", include(catalog)),
    path("projects/<int:pk>/evaluate/", views.project_evaluate, name="project-evaluate"),
    path("jobs/<int:pk>/", views.job_status, name="job-status"),
]
