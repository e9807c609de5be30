"""Log in and out of the workstation (Django's authentication)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class LoginView(auth_views.LoginView):
    template_name = "workstation/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("workstation:index")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("workstation:login")
