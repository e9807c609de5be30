"""The site's addresses and views that fail on purpose, for the error tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bekitu import urls as site


def _fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a test's failure, with a person's IIN 900101300123 in it")


urlpatterns = [
    path("api/v1/__fail__/", _fail),
    path("portal/api/__fail__/", _fail),
    path("__fail__/", _fail),
    *site.urlpatterns,
]
handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
