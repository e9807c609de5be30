"""Log in and out of the workstation (Django's authentication)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse


class LoginView(auth_views.LoginView):
    template_name = "workstation/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """After logging in, the queue."""
        return reverse("workstation:index")


class LogoutView(auth_views.LogoutView):
    def get_default_redirect_url(self) -> str:
        """After logging out, the login page."""
        return reverse("workstation:login")
