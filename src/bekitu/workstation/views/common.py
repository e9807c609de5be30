"""What every workstation page shares: the staff scope, rendering and domain errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from bekitu.core.audit import audit_context
from bekitu.workstation.models import StaffProfile
from bekitu.workstation.scoping import StaffScope, scope_for

View = Callable[..., HttpResponseBase]


def staff_page(*, act: bool = False) -> Callable[[View], View]:
    """Let only provider staff in (and, with `act`, only those who handle applications).

    The view receives the staff member's scope; audit rows written inside it name them.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = scope_for(request.user)
            if scope is None:
                return render(request, "workstation/not_staff.html", status=403)
            if act and not scope.can_act:
                raise PermissionDenied
            with audit_context(actor=scope.actor, channel="desk"):
                return view(request, *args, scope=scope, **kwargs)

        return wrapper

    return decorate


def page(
    request: HttpRequest, template: str, scope: StaffScope, context: dict[str, Any] | None = None
) -> HttpResponse:
    """Render a workstation page with the staff member's scope in its context."""
    role = StaffProfile.Role(scope.role).label
    return render(request, template, {"scope": scope, "scope_role": role, **(context or {})})


def flash_error(request: HttpRequest, message: object) -> None:
    """Show an error on the next page (POST-redirect-GET)."""
    messages.error(request, str(message))
