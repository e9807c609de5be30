"""Who is at the workstation, and what every page and API view of theirs shares.

The scope (which providers' applications and persons the member reaches) is the service's
`Scope`; a staff member's adds who they are and their role (R7), which decides what they may
do. Everything outside the scope is answered as if it did not exist (404). The pages are let
in by `staff_page`, rendered with the scope by `page`; PDFs and scans are answered by
`pdf_response` and `scan_response`, never cached (they name the person).
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError
from bekitu.service import selectors
from bekitu.service.selectors import Scope
from bekitu.workstation.models import StaffProfile

Role = StaffProfile.Role
View = Callable[..., HttpResponseBase]
T = TypeVar("T")
# Seconds after which a page or a client asks again for a talon PDF still being signed.
PDF_RETRY_SECONDS = 1
log = logging.getLogger("bekitu.workstation")


@dataclass(frozen=True, kw_only=True)
class StaffScope(Scope):
    """A logged-in staff member, their role, and the providers they reach."""

    user_id: int
    username: str
    role: str

    @property
    def can_act(self) -> bool:
        """Only the statistics-office specialist accepts documents and issues talons (R7)."""
        return self.role == Role.STATISTICS_SPECIALIST

    @property
    def is_head(self) -> bool:
        """The head of the provider: reads, and admits a district above its size."""
        return self.role == Role.HEAD

    @property
    def is_regional(self) -> bool:
        return self.role == Role.REGIONAL_ADMIN

    @property
    def actor(self) -> str:
        """How audit rows name this staff member."""
        return f"staff:{self.username}"


def scope_for(user: Any) -> StaffScope | None:
    """The scope of a user, or None when the user is not provider staff."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = StaffProfile.objects.select_related("provider").filter(user_id=user.pk).first()
    if profile is None:
        return None
    prefix = profile.kato_prefix or profile.provider.atu_code[:2]
    return StaffScope(
        user_id=user.pk,
        username=user.get_username(),
        role=profile.role,
        provider=profile.provider,
        kato_prefix=prefix if profile.role == Role.REGIONAL_ADMIN else "",
    )


class NotPermitted(DomainError):
    """The staff member's role does not allow the action (R7)."""

    code = "not_permitted"


def require_actor(scope: StaffScope) -> None:
    """Only the statistics-office specialist takes and decides applications (R7)."""
    if not scope.can_act:
        raise NotPermitted(_("Only a statistics-office specialist may do this."))


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


def found_or_404(found: T | None) -> T:
    """What a selector found in the staff member's scope; 404 when it found nothing."""
    if found is None:
        raise Http404
    return found


def pdf_response(body: bytes, filename: str) -> FileResponse:
    """A talon's or refusal's PDF, shown in the browser to print, under its file name
    (Content-Disposition: inline; a file-like body, so FileResponse sets the header and the
    length), never cached (it names the person)."""
    response = FileResponse(io.BytesIO(body), content_type="application/pdf", filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def scan_response(scope: StaffScope, number: str, pk: int) -> FileResponse:
    """A scan of an application in scope, as a download that no browser sniffs or caches (a
    scan carries personal data); 404 when out of scope or its file is gone. The read is
    audited by the selector."""
    try:
        scan = found_or_404(selectors.scan_open(scope=scope, number=number, pk=pk))
    except selectors.ScanMissing as exc:
        log.error("scan.missing", extra={"fields": {"application": number, "document": pk}})
        raise Http404 from exc
    response = FileResponse(
        scan.stream, as_attachment=True, filename=scan.filename, content_type=scan.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
