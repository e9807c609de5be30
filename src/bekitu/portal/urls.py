from __future__ import annotations

from django.urls import include, path

from bekitu.portal import (
    converters,  # noqa: F401 - registers <request_number:...>
    views,
    views_requests,
)

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register, name="register"),
    path("login/", views.login_page, name="login"),
    path("login/eds/", views.login_eds, name="login-eds"),
    path("logout/", views.logout_page, name="logout"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("requests/new/", views_requests.request_new, name="request-new"),
    path("requests/sign/<uuid:draft_id>/", views_requests.request_sign, name="request-sign"),
    path("requests/<request_number:number>/", views_requests.request_detail, name="request"),
    path(
        "requests/<request_number:number>/talon.xml",
        views_requests.talon_file,
        {"kind": "xml"},
        name="talon-xml",
    ),
    path(
        "requests/<request_number:number>/talon.pdf",
        views_requests.talon_file,
        {"kind": "pdf"},
        name="talon-pdf",
    ),
    path("api/v1/", include("bekitu.portal.api.urls")),
]
