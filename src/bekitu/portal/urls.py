from __future__ import annotations

from django.urls import path

from bekitu.portal import views

app_name = "portal"
urlpatterns = [path("", views.index, name="index")]
