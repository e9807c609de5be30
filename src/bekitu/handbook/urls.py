from __future__ import annotations

from django.urls import path

from bekitu.handbook import views

app_name = "handbook"
urlpatterns = [path("", views.index, name="index")]
