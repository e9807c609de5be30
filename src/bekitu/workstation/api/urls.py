"""/api/v1/ of the workstation (included from bekitu.urls)."""

from __future__ import annotations

from django.urls import path

from bekitu.workstation.api import reattachments, views

app_name = "workstation-api"
urlpatterns = [
    path("applications/", views.ApplicationListCreate.as_view(), name="applications"),
    path("applications/<str:number>/", views.ApplicationDetail.as_view(), name="application"),
    path(
        "applications/<str:number>/accept-documents/",
        views.AcceptDocuments.as_view(),
        name="accept-documents",
    ),
    path("applications/<str:number>/issue-talon/", views.IssueTalon.as_view(), name="issue-talon"),
    path("applications/<str:number>/refuse/", views.Refuse.as_view(), name="refuse"),
    path(
        "applications/<str:number>/district-override/",
        views.DistrictOverride.as_view(),
        name="district-override",
    ),
    path("applications/<str:number>/talon.pdf", views.TalonPdf.as_view(), name="talon-pdf"),
    path("applications/<str:number>/refusal.pdf", views.RefusalPdf.as_view(), name="refusal-pdf"),
    path("applications/<str:number>/documents/", views.ScanCreate.as_view(), name="documents"),
    path(
        "applications/<str:number>/documents/<int:pk>/file",
        views.ScanDownload.as_view(),
        name="document-file",
    ),
    path("register/lookup/", views.RegisterLookup.as_view(), name="register-lookup"),
    path("persons/lookup/", views.PersonLookup.as_view(), name="person-lookup"),
    path("persons/<int:pk>/", views.PersonCard.as_view(), name="person"),
    path("population/", views.PopulationSearch.as_view(), name="population"),
    path("reattachments/", reattachments.PlanListCreate.as_view(), name="reattachments"),
    path("reattachments/<str:number>/", reattachments.PlanDetail.as_view(), name="reattachment"),
    path(
        "reattachments/<str:number>/assign/",
        reattachments.PlanAssign.as_view(),
        name="reattachment-assign",
    ),
    path(
        "reattachments/<str:number>/confirm/",
        reattachments.PlanConfirm.as_view(),
        name="reattachment-confirm",
    ),
]
