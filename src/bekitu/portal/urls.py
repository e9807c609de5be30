from __future__ import annotations

from django.urls import include, path

from bekitu.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register, name="register"),
    path("login/", views.login_page, name="login"),
    path("login/eds/", views.login_eds, name="login-eds"),
    path("logout/", views.logout_page, name="logout"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("api/v1/", include("bekitu.portal.api.urls")),
]
