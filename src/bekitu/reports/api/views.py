"""/api/v1/reports/: the four reports as JSON, and their exports made in the background.

For the head of a provider and the regional administrator, like the pages; every read is
audited under the reader. A region-wide reader gets aggregates only (no list that names
applications), as in the region's exports.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bekitu.core.audit import audit_context
from bekitu.reports import pages, services
from bekitu.reports.api import serializers as s
from bekitu.reports.catalog import KINDS, make_report, report_form
from bekitu.reports.exports import CONTENT_TYPES, report_json
from bekitu.reports.models import ReportRun
from bekitu.reports.scope import NotAReader, ReportScope, report_scope
from bekitu.workstation.api.auth import BasicAuthentication
from bekitu.workstation.api.errors import api_exception_handler

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid parameters."),
    401: OpenApiResponse(s.ErrorSerializer, description="Not logged in."),
    403: OpenApiResponse(s.ErrorSerializer, description="Not a head or regional administrator."),
}
NOT_FOUND = {404: OpenApiResponse(s.ErrorSerializer, description="No such export of yours.")}


class IsReportReader(BasePermission):
    """Heads of providers and regional administrators; the view gets the reader's scope."""

    message = "Reports are for the head of a provider and the regional administrator."
    code = "not_a_reader"

    def has_permission(self, request: Request, view: Any) -> bool:
        try:
            view.scope = report_scope(request.user)
        except NotAReader:
            return False
        return True


class ReaderAPIView(APIView):
    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [IsReportReader]
    scope: ReportScope

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    def reading(self) -> Any:
        """Audit rows written inside name the reader, channel "api"."""
        return audit_context(actor=self.scope.actor, channel="api")


def _params(kind: str, data: Any, scope: ReportScope) -> dict[str, str]:
    form = report_form(kind, data, scope.provider_ids)
    if not form.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    return form.params()


PROVIDER = OpenApiParameter(
    "provider", str, description="A provider's BIN (default: your whole scope)."
)
AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="The day (default: today).")
FIRST = OpenApiParameter("first", OpenApiTypes.DATE, description="First day of the period.")
LAST = OpenApiParameter(
    "last", OpenApiTypes.DATE, description="Last day of the period (default: today)."
)
BY = OpenApiParameter(
    "by", str, enum=["provider", "district", "doctor"], description="Group the places by."
)
PARAMETERS = {
    "attached-population": [AS_OF, PROVIDER, BY],
    "movement": [FIRST, LAST, PROVIDER],
    "service": [FIRST, LAST, PROVIDER],
    "district-load": [AS_OF, PROVIDER],
}


class ReportList(ReaderAPIView):
    @extend_schema(
        operation_id="reports_list",
        summary="The reports you may read",
        responses={200: s.KindSerializer(many=True), **ERRORS},
        tags=["reports"],
    )
    def get(self, request: Request) -> Response:
        rows = [
            {
                "report": k.slug,
                "title": str(k.title),
                "summary": str(k.summary),
                "parameters": [p.name for p in PARAMETERS[k.slug]],
            }
            for k in KINDS.values()
        ]
        return Response(s.KindSerializer(rows, many=True).data)


def _report_view(kind: str) -> type[ReaderAPIView]:
    class ReportView(ReaderAPIView):
        @extend_schema(
            operation_id=f"reports_{kind.replace('-', '_')}",
            summary=str(KINDS[kind].summary),
            parameters=PARAMETERS[kind],
            responses={200: s.ReportSerializer, **ERRORS},
            tags=["reports"],
        )
        def get(self, request: Request) -> Response:
            params = _params(kind, request.query_params.dict(), self.scope)
            with self.reading():
                made = make_report(
                    kind,
                    params,
                    self.scope.provider_ids,
                    regional=self.scope.regional,
                    aggregates_only=self.scope.regional,
                )
                services.audit_report_read(kind=kind, params=params, scope=self.scope)
            return Response(report_json(made.tables))

    ReportView.__name__ = ReportView.__qualname__ = f"Report_{kind.replace('-', '_')}"
    return ReportView


REPORT_VIEWS = {kind: _report_view(kind) for kind in KINDS}


def _export_data(run: ReportRun) -> dict[str, Any]:
    ready = run.status == ReportRun.Status.DONE
    return {
        "id": run.pk,
        "report": run.kind,
        "format": run.format,
        "params": run.params,
        "status": run.status,
        "progress": run.progress,
        "error": run.error,
        "file": reverse("reports-api:export-file", args=[run.pk]) if ready else None,
        "size": run.size,
    }


class ExportCreate(ReaderAPIView):
    @extend_schema(
        operation_id="reports_exports_create",
        summary="Ask for an export (CSV or XLSX), made in the background",
        request=s.ExportCreateSerializer,
        responses={202: s.ExportSerializer, **ERRORS},
        tags=["reports"],
    )
    def post(self, request: Request) -> Response:
        body = s.ExportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        v = body.validated_data
        params = _params(v["report"], v.get("params") or {}, self.scope)
        if v["format"] == "csv" and v.get("table"):
            params["table"] = v["table"]
        with self.reading():
            run = services.report_run_create(
                kind=v["report"],
                fmt=v["format"],
                params=params,
                scope=self.scope,
                user=request.user,
            )
        run.refresh_from_db()
        return Response(s.ExportSerializer(_export_data(run)).data, status=status.HTTP_202_ACCEPTED)


def _own_run(request: Request, pk: Any) -> ReportRun:
    run = ReportRun.objects.filter(pk=pk, requested_by_id=request.user.pk).first()
    if run is None:
        raise Http404("export")
    return run


class ExportDetail(ReaderAPIView):
    @extend_schema(
        operation_id="reports_exports_retrieve",
        summary="An export's status",
        responses={200: s.ExportSerializer, **ERRORS, **NOT_FOUND},
        tags=["reports"],
    )
    def get(self, request: Request, pk: Any) -> Response:
        run = _own_run(request, pk)
        return Response(s.ExportSerializer(_export_data(run)).data)


class ExportFile(ReaderAPIView):
    @extend_schema(
        operation_id="reports_exports_file",
        summary="Download a finished export",
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY, description="CSV or XLSX."),
            **ERRORS,
            **NOT_FOUND,
        },
        tags=["reports"],
    )
    def get(self, request: Request, pk: Any) -> FileResponse:
        run = _own_run(request, pk)
        path = services.run_path(run)
        if run.status != ReportRun.Status.DONE or not path.is_file():
            raise Http404("export")
        with self.reading():
            services.report_run_downloaded(run=run)
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=pages.download_name(run),
            content_type=CONTENT_TYPES[run.format],
        )
        response["Cache-Control"] = "private, no-store"
        return response
