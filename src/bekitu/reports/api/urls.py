"""/api/v1/reports/ (included from bekitu.urls before the workstation's /api/v1/)."""

from __future__ import annotations

from django.urls import path

from bekitu.reports.api import views

app_name = "reports-api"
urlpatterns = [
    path("", views.ReportList.as_view(), name="list"),
    path("exports/", views.ExportCreate.as_view(), name="exports"),
    path("exports/<uuid:pk>/", views.ExportDetail.as_view(), name="export"),
    path("exports/<uuid:pk>/file", views.ExportFile.as_view(), name="export-file"),
    *[path(f"{kind}/", view.as_view(), name=kind) for kind, view in views.REPORT_VIEWS.items()],
]
