"""What every workstation page shares: the staff scope, rendering and domain errors."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from bekitu.core.audit import audit_context
from bekitu.service import selectors
from bekitu.workstation.models import StaffProfile
from bekitu.workstation.staff import StaffScope, scope_for

View = Callable[..., HttpResponseBase]
T = TypeVar("T")
# Seconds after which a page or a client asks again for a talon PDF still being signed.
PDF_RETRY_SECONDS = 1
log = logging.getLogger("bekitu.workstation")


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
