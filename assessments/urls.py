from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("prices/<str:provider>/<path:model>/", views.price_history_page, name="catalog-price-history"),
    path("gpus/", views.gpus, name="catalog-gpus"),
    path("hardware/", views.hardware, name="catalog-hardware"),
    path("import/", views.price_import, name="catalog-import"),
    path("import/<int:pk>/", views.price_import_status, name="catalog-import-status"),
]
