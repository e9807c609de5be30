from __future__ import annotations

from django.urls import path

from bekitu.handbook import views

app_name = "handbook"
urlpatterns = [
    path("", views.index, name="index"),
    path("handbook-<str:language>.pdf", views.handbook_download, name="pdf"),
    path("<slug:diagram_id>/", views.diagram, name="diagram"),
    path("<slug:diagram_id>/view.bpmn", views.diagram_source, name="source"),
    path("bpmn/<str:file_name>", views.diagram_download, name="download"),
]
