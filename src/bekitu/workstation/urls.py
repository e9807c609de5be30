from __future__ import annotations

from django.urls import path

from bekitu.workstation import views

app_name = "workstation"
urlpatterns = [path("", views.index, name="index")]
