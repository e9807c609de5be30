from __future__ import annotations

from django.urls import path

from bekitu.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("exports/", views.export_create, name="export-create"),
    path("exports/<uuid:pk>/", views.export_detail, name="export"),
    path("exports/<uuid:pk>/status", views.export_status, name="export-status"),
    path("exports/<uuid:pk>/file", views.export_file, name="export-file"),
    path("<slug:kind>/", views.report, name="report"),
]
