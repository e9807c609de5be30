from __future__ import annotations

from django.urls import path

from bekitu.portal import converters  # noqa: F401 - registers <request_number:...>
from bekitu.portal.api import cabinet, requests, views

app_name = "portal-api"

urlpatterns = [
    path("auth/challenge", views.ChallengeView.as_view(), name="auth-challenge"),
    path("auth/code", views.CodeView.as_view(), name="auth-code"),
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("me", views.MeView.as_view(), name="me"),
    path("me/dependants", views.DependantsView.as_view(), name="dependants"),
    path("me/attachment", cabinet.AttachmentView.as_view(), name="attachment"),
    path(
        "me/dependants/<str:iin>/attachment",
        cabinet.DependantAttachmentView.as_view(),
        name="dependant-attachment",
    ),
    path(
        "services/attachment/requirements",
        requests.RequirementsView.as_view(),
        name="requirements",
    ),
    path("providers", requests.ProvidersView.as_view(), name="providers"),
    path("attachment-requests", cabinet.RequestsView.as_view(), name="requests"),
    path(
        "attachment-requests/<uuid:draft_id>/submit",
        requests.SubmitView.as_view(),
        name="request-submit",
    ),
    path(
        "attachment-requests/<request_number:number>",
        requests.RequestView.as_view(),
        name="request",
    ),
    path(
        "attachment-requests/<request_number:number>/talon.xml",
        requests.TalonXmlView.as_view(),
        name="talon-xml",
    ),
    path(
        "attachment-requests/<request_number:number>/talon.pdf",
        requests.TalonPdfView.as_view(),
        name="talon-pdf",
    ),
]
