"""Log in and out of the workstation (Django's authentication)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bekitu.workstation.services import set_password_by_link, set_password_user


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


@never_cache
@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Choose the password of a staff login through its one-time link (`staff-create --link`).

    An unknown, used or expired link answers 404; the password validators run on the form.
    """
    user = set_password_user(uidb64, token)
    if user is None:
        raise Http404(_("This link is unknown, already used or expired."))
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        set_password_by_link(user, form.cleaned_data["new_password1"])
        messages.success(request, _("Your password is set. Log in with it."))
        return redirect("workstation:login")
    status = 400 if form.is_bound else 200
    context = {"form": form, "username": user.get_username()}
    response = render(request, "workstation/set_password.html", context, status=status)
    # The link's token never leaves the site in a Referer; "no-referrer" would also make the
    # browser send `Origin: null` with the form, which the CSRF check rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    return response
