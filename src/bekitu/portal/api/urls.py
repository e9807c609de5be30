from __future__ import annotations

from django.urls import path

from bekitu.portal.api import views

app_name = "portal-api"

urlpatterns = [
    path("auth/challenge", views.ChallengeView.as_view(), name="auth-challenge"),
    path("auth/code", views.CodeView.as_view(), name="auth-code"),
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("me", views.MeView.as_view(), name="me"),
]
