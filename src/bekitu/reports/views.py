"""The reports' pages: the index, one page per report (filters, charts with a table beside
each, the tables), and the exports made in the background with their download.

Only the head of a provider and the regional administrator read reports; every read is
audited under the reader. Parameters travel in the address (no personal data in them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bekitu.core.audit import audit_context
from bekitu.registry.selectors import today
from bekitu.reports import pages, services
from bekitu.reports.catalog import KINDS, make_report, report_form
from bekitu.reports.exports import CONTENT_TYPES
from bekitu.reports.models import ReportRun
from bekitu.reports.scope import NotAReader, ReportScope, report_scope
from bekitu.reports.selectors import band_edition_on

View = Callable[..., HttpResponseBase]


def reader_page(view: View) -> View:
    """Let in the head of a provider and the regional administrator; audit rows written
    inside name them."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            scope = report_scope(request.user)
        except NotAReader as exc:
            return render(request, "reports/no_access.html", {"message": exc.message}, status=403)
        with audit_context(actor=scope.actor, channel="desk"):
            return view(request, *args, scope=scope, **kwargs)

    return wrapper


@require_GET
@reader_page
def index(request: HttpRequest, *, scope: ReportScope) -> HttpResponse:
    """The four reports, the bands in force, and the reader's recent exports."""
    runs = ReportRun.objects.filter(requested_by_id=request.user.pk).order_by("-created_at")[:10]
    context = {
        "scope": scope,
        "kinds": KINDS.values(),
        "edition": band_edition_on(today()),
        "runs": runs,
    }
    return render(request, "reports/index.html", context)


@require_GET
@reader_page
def report(request: HttpRequest, kind: str, *, scope: ReportScope) -> HttpResponse:
    """One report: its filters; with valid filters, its charts and tables (the read is
    audited); otherwise the errors next to the fields."""
    if kind not in KINDS:
        raise Http404("report")
    # No filters: the report's defaults (today, the last year or month, the whole scope).
    form = report_form(kind, request.GET.dict(), scope.provider_ids)
    context: dict[str, Any] = {"scope": scope, "kind": KINDS[kind], "form": form}
    if form.is_valid():
        params = form.params()
        # Shown again with the values used, defaults included (today, the period's start).
        form = report_form(kind, params, scope.provider_ids)
        form.is_valid()
        context["form"] = form
        made = make_report(kind, params, scope.provider_ids, regional=scope.regional)
        services.audit_report_read(kind=kind, params=params, scope=scope)
        context.update(pages.context(kind, made))
        if kind == "service":
            context.update(pages.breach_page(made, request.GET, params))
        context.update({"made": made, "params": params})
    return render(request, f"reports/{kind}.html", context)


@require_POST
@reader_page
def export_create(request: HttpRequest, *, scope: ReportScope) -> HttpResponseBase:
    """Queue an export of a report with the parameters it was shown with."""
    kind, fmt = request.POST.get("kind", ""), request.POST.get("format", "")
    if kind not in KINDS or fmt not in ReportRun.Format.values:
        raise Http404("report")
    form = report_form(kind, request.POST, scope.provider_ids)
    if not form.is_valid():
        return redirect(reverse("reports:report", args=[kind]))
    params = form.params()
    table = request.POST.get("table", "")
    if fmt == "csv" and table:
        params["table"] = table
    run = services.report_run_create(
        kind=kind, fmt=fmt, params=params, scope=scope, user=request.user
    )
    return redirect(reverse("reports:export", args=[run.pk]))


def _own_run(request: HttpRequest, pk: Any) -> ReportRun:
    # Another reader's export answers as if it did not exist.
    run = ReportRun.objects.filter(pk=pk, requested_by_id=request.user.pk).first()
    if run is None:
        raise Http404("export")
    return run


@require_GET
@reader_page
def export_detail(request: HttpRequest, pk: Any, *, scope: ReportScope) -> HttpResponse:
    """The export's progress, and its download link once ready."""
    run = _own_run(request, pk)
    context = {"scope": scope, "run": run, "kind": KINDS[run.kind], "params": pages.run_params(run)}
    return render(request, "reports/export.html", context)


@require_GET
@reader_page
def export_status(request: HttpRequest, pk: Any, *, scope: ReportScope) -> JsonResponse:
    """The export's status as JSON, for the page's script to follow without reloading."""
    run = _own_run(request, pk)
    return JsonResponse(pages.run_status(run))


@require_GET
@reader_page
def export_file(request: HttpRequest, pk: Any, *, scope: ReportScope) -> HttpResponseBase:
    """The export's file (audited); 404 until it is ready."""
    run = _own_run(request, pk)
    path = services.run_path(run)
    if run.status != ReportRun.Status.DONE or not path.is_file():
        raise Http404("export")
    services.report_run_downloaded(run=run)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=pages.download_name(run),
        content_type=CONTENT_TYPES[run.format],
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
