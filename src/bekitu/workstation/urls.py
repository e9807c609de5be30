from __future__ import annotations

from django.urls import path

from bekitu.workstation.views import applications, auth, persons, reattachments

app_name = "workstation"
urlpatterns = [
    path("", applications.queue, name="index"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("set-password/<str:uidb64>/<str:token>/", auth.set_password, name="set-password"),
    path("intake/", applications.intake_lookup, name="intake"),
    path("intake/person/", applications.intake_person, name="intake-person"),
    path("applications/<str:number>/", applications.application_detail, name="application"),
    path("applications/<str:number>/accept/", applications.accept_documents, name="accept"),
    path("applications/<str:number>/issue/", applications.issue_talon, name="issue"),
    path("applications/<str:number>/refuse/", applications.refuse, name="refuse"),
    path(
        "applications/<str:number>/district-override/",
        applications.district_override,
        name="district-override",
    ),
    path("applications/<str:number>/documents/", applications.scan_attach, name="scan-attach"),
    path(
        "applications/<str:number>/documents/<int:pk>/file",
        applications.scan_file,
        name="scan-file",
    ),
    path("applications/<str:number>/<str:kind>.pdf", applications.document_pdf, name="pdf"),
    path("persons/<int:pk>/", persons.person_card, name="person"),
    path("population/", persons.population, name="population"),
    path("reattachments/", reattachments.reattachments, name="reattachments"),
    path("reattachments/<str:number>/", reattachments.reattachment, name="reattachment"),
    path(
        "reattachments/<str:number>/assign/",
        reattachments.reattachment_assign,
        name="reattachment-assign",
    ),
    path(
        "reattachments/<str:number>/confirm/",
        reattachments.reattachment_confirm,
        name="reattachment-confirm",
    ),
    path(
        "reattachments/<str:number>/progress/",
        reattachments.reattachment_progress,
        name="reattachment-progress",
    ),
]
