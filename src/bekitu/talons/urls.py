"""Public addresses of the talons app, included at the site root."""

from __future__ import annotations

from django.urls import path

from bekitu.talons import api, views

app_name = "talons"

urlpatterns = [
    path("verify/", views.verify_form, name="verify-form"),
    path("verify/<str:code>", views.verify, name="verify"),
    path("api/v1/talons/verify/<str:code>/", api.TalonVerifyView.as_view(), name="api-verify"),
]
