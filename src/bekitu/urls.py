from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bekitu.core import health
from bekitu.core import views as core_views
from bekitu.reports import metrics

# Errors: a localised page, or {"code", "message"} under the API (bekitu.core.errors).
handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

urlpatterns = [
    path("", core_views.start_page, name="start"),
    # For load balancers, orchestrators and the monitoring (docs/operations.md).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # A browser or a client that asks the old address of the icon gets it, not a 404 (a
    # logged warning) on every first visit.
    path("favicon.ico", core_views.FaviconView.as_view(), name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, not inline, so the page
    # runs under the strict Content-Security-Policy (bekitu.core.security).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="core/api_docs.html"
        ),
        name="api-docs",
    ),
    path("workstation/", include("bekitu.workstation.urls")),
    path("", include("bekitu.talons.urls")),
    path("handbook/", include("bekitu.handbook.urls")),
    path("reports/", include("bekitu.reports.urls")),
    path("portal/", include("bekitu.portal.urls")),
    path("api/v1/reports/", include("bekitu.reports.api.urls")),
    path("api/v1/", include("bekitu.workstation.api.urls")),
]
# Uploaded scans and documents are never served as static files: they carry personal data
# and are downloaded only through views that check who asks.
