"""The site's addresses and two that fail on purpose, so that the accessibility check sees
the pages a person meets after a bad request (400) and a server error (500)."""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from bekitu import urls as site


def _bad_request(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("the accessibility check's bad request")


def _server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the accessibility check's server error")


urlpatterns = [
    path("__raise__/400/", _bad_request),
    path("__raise__/500/", _server_error),
    *site.urlpatterns,
]
# The error pages are the site's own handlers, where it has them.
handler400 = getattr(site, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(site, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(site, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(site, "handler500", "django.views.defaults.server_error")
