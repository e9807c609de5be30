"""The public verification page of a talon (no login), reached from the QR code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from bekitu.core.audit import audit_context
from bekitu.core.views import too_many_requests
from bekitu.talons.selectors import refusal_verify, talon_verify
from bekitu.talons.services import normalize_code
from bekitu.talons.throttle import verification_allowed


def _private(response: HttpResponse) -> HttpResponse:
    # The code in the address is a key to the check: no caches, no indexing, and no referrer
    # to other sites (same-origin keeps the language switch's CSRF origin check working).
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """Where a person types the code printed under the QR code."""
    typed = request.GET.get("code", "")
    code = normalize_code(typed) if typed else None
    if code:
        return redirect("talons:verify", code=code)
    context = {"typed": typed, "invalid": bool(typed)}
    return _private(render(request, "talons/verify_form.html", context))


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Whether the talon is authentic and still the person's attachment; initials only.

    An unknown or malformed code answers 404 with the same page, saying nothing more.
    """
    if not verification_allowed(request):
        return _private(too_many_requests(request, retry_after=60))
    with audit_context(actor="anonymous", channel="public"):
        result = talon_verify(code=code)
        refusal = refusal_verify(code=code) if not result.found else None
    if refusal is not None and refusal.found:
        # The code is a refusal's (its own QR code): say which refusal, by whom, when.
        return _private(render(request, "talons/verify_refusal.html", {"result": refusal}))
    status = 200 if result.found else 404
    return _private(render(request, "talons/verify.html", {"result": result}, status=status))
