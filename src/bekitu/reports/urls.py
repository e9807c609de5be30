from __future__ import annotations

from django.urls import path

from bekitu.reports import views

app_name = "reports"
urlpatterns = [path("", views.index, name="index")]
