"""The workstation's REST API: the desk's operations, scoped and audited like the pages."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError, NotFound
from bekitu.service.services import PowerOfAttorney
from bekitu.workstation import desk, people, presenters
from bekitu.workstation.api import serializers as s
from bekitu.workstation.api.data import (
    application_data,
    application_summary,
    register_data,
    scan_data,
)
from bekitu.workstation.api.errors import api_exception_handler
from bekitu.workstation.scoping import StaffScope, scope_for

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input or a rule forbids it."),
    403: OpenApiResponse(s.ErrorSerializer, description="Not provider staff, or not allowed."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such thing in your scope."),
}
ACTION_ERRORS = {**ERRORS, 409: OpenApiResponse(s.ErrorSerializer, description="Wrong state.")}
PDF = OpenApiResponse(OpenApiTypes.BINARY, description="The document as application/pdf.")


class IsProviderStaff(BasePermission):
    """Provider staff only; the view gets the staff member's scope."""

    message = "Only provider staff may use this API."
    code = "not_staff"

    def has_permission(self, request: Request, view: Any) -> bool:
        view.scope = scope_for(request.user)
        return view.scope is not None


class StaffAPIView(APIView):
    """Basic or session authentication; provider staff; audit rows name the staff member."""

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [IsProviderStaff]
    scope: StaffScope

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    def handle(self, run: Any) -> Any:
        """Run the operation with the staff member as the audit actor."""
        with audit_context(actor=self.scope.actor, channel="api"):
            return run()


class ApplicationListCreate(StaffAPIView):
    @extend_schema(
        operation_id="applications_list",
        summary="The queue: open applications of your provider, the nearest deadline first",
        responses={200: s.ApplicationSummarySerializer(many=True), **ERRORS},
        tags=["workstation"],
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        rows = self.handle(lambda: [application_summary(a, now) for a in desk.queue(self.scope)])
        return Response(s.ApplicationSummarySerializer(rows, many=True).data)

    @extend_schema(
        operation_id="applications_create",
        summary="Record a desk or telephone application (intake) and run the checks",
        request=s.ApplicationCreateSerializer,
        responses={201: s.ApplicationSerializer, **ERRORS},
        tags=["workstation"],
    )
    def post(self, request: Request) -> Response:
        data = s.ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        entry = desk.Intake(
            recipient_iin=v["recipient_iin"],
            channel=v["channel"],
            reason=v["reason"],
            applicant_role=v["applicant_role"],
            applicant_iin=v.get("applicant_iin") or "",
            power_of_attorney=PowerOfAttorney(**v["power_of_attorney"])
            if v.get("power_of_attorney")
            else None,
        )
        try:
            application = self.handle(lambda: desk.intake(self.scope, entry, user=request.user))
        except NotFound as exc:
            # An unknown IIN in the body is bad input here, not a missing resource.
            raise DomainError(exc.message, code=exc.code) from exc
        body = application_data(application, timezone.now(), request)
        return Response(s.ApplicationSerializer(body).data, status=status.HTTP_201_CREATED)


class ApplicationDetail(StaffAPIView):
    @extend_schema(
        operation_id="applications_retrieve",
        summary="One application: checklist, checks, steps, decision",
        responses={200: s.ApplicationSerializer, **ERRORS},
        tags=["workstation"],
    )
    def get(self, request: Request, number: str) -> Response:
        application = desk.application_in_scope(self.scope, number)
        return Response(
            s.ApplicationSerializer(application_data(application, timezone.now(), request)).data
        )


class _ApplicationAction(StaffAPIView):
    def respond(self, request: Request, application: Any) -> Response:
        application.refresh_from_db()
        body = application_data(application, timezone.now(), request)
        return Response(s.ApplicationSerializer(body).data)


class AcceptDocuments(_ApplicationAction):
    @extend_schema(
        operation_id="applications_accept_documents",
        summary="Action 1 (R5.1, R8.1): accept the documents presented",
        request=s.AcceptDocumentsSerializer,
        responses={200: s.ApplicationSerializer, **ACTION_ERRORS},
        tags=["workstation"],
    )
    def post(self, request: Request, number: str) -> Response:
        application = desk.application_in_scope(self.scope, number)
        data = s.AcceptDocumentsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        documents = data.validated_data["documents"]
        self.handle(
            lambda: desk.accept_documents(self.scope, application, documents, user=request.user)
        )
        return self.respond(request, application)


class IssueTalon(_ApplicationAction):
    @extend_schema(
        operation_id="applications_issue_talon",
        summary="Action 2 (R5.2, R8.2): issue the talon, signed with the provider's key",
        request=None,
        responses={200: s.ApplicationSerializer, **ACTION_ERRORS},
        tags=["workstation"],
    )
    def post(self, request: Request, number: str) -> Response:
        application = desk.application_in_scope(self.scope, number)
        self.handle(lambda: desk.issue_talon(self.scope, application, user=request.user))
        return self.respond(request, application)


class Refuse(_ApplicationAction):
    @extend_schema(
        operation_id="applications_refuse",
        summary="Refuse, with a reason code tied to its legal ground (R4-1)",
        request=s.RefuseSerializer,
        responses={200: s.ApplicationSerializer, **ACTION_ERRORS},
        tags=["workstation"],
    )
    def post(self, request: Request, number: str) -> Response:
        application = desk.application_in_scope(self.scope, number)
        data = s.RefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        self.handle(
            lambda: desk.refuse(
                self.scope, application, v["reason_code"], v["comment"], user=request.user
            )
        )
        return self.respond(request, application)


class DocumentPdf(StaffAPIView):
    kind = "talon"

    def get(self, request: Request, number: str) -> FileResponse:
        application = desk.application_in_scope(self.scope, number)
        name, body = desk.document_pdf(application, self.kind)
        return FileResponse(iter([body]), content_type="application/pdf", filename=name)


def _pdf_schema(operation_id: str, summary: str) -> Any:
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            summary=summary,
            responses={(200, "application/pdf"): PDF, **ERRORS},
            tags=["workstation"],
        )
    )


@_pdf_schema("applications_talon_pdf", "The talon's signed PDF, to print (404 until issued)")
class TalonPdf(DocumentPdf):
    kind = "talon"


@_pdf_schema("applications_refusal_pdf", "The refusal's PDF, to print (404 unless refused)")
class RefusalPdf(DocumentPdf):
    kind = "refusal"


SCAN_TYPES = ("application/pdf", "image/jpeg", "image/png")
SCAN = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The scan as stored (Content-Disposition: attachment), with the type its "
    "content showed when it was attached.",
)


class ScanCreate(StaffAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="applications_documents_create",
        summary="Attach the scan of a document of the checklist (R8.1): PDF, JPEG or PNG",
        description="The type is read from the file's content; a wrong type (`scan_type`), "
        "a file too large (`scan_too_large`) or empty (`scan_empty`), or an unknown kind "
        "(`invalid_document_kind`) is a 400; a decided application (`application_closed`) "
        "is a 409. Only the statistics-office specialist may attach.",
        request={"multipart/form-data": s.ScanUploadSerializer},
        responses={201: s.ScanSerializer, **ACTION_ERRORS},
        tags=["workstation"],
    )
    def post(self, request: Request, number: str) -> Response:
        application = desk.application_in_scope(self.scope, number)
        data = s.ScanUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        document = self.handle(
            lambda: desk.scan_attach(
                self.scope,
                application,
                kind=v["kind"],
                file=v["file"],
                note=v["note"],
                user=request.user,
            )
        )
        scan = next(r for r in presenters.scans(application) if r.id == document.pk)
        body = s.ScanSerializer(scan_data(request, application.number, scan)).data
        return Response(body, status=status.HTTP_201_CREATED)


class ScanDownload(StaffAPIView):
    @extend_schema(
        operation_id="applications_documents_file",
        summary="Download an attached scan (the read is audited)",
        description="Sent as an attachment with the type its content showed when it was "
        "attached, and `X-Content-Type-Options: nosniff`; `id` is the scan's `id` in the "
        "application's `scans`.",
        responses={**{(200, kind): SCAN for kind in SCAN_TYPES}, **ERRORS},
        tags=["workstation"],
    )
    def get(self, request: Request, number: str, pk: int) -> FileResponse:
        return self.handle(lambda: desk.scan_open(self.scope, number, pk)).response()


class RegisterLookup(StaffAPIView):
    @extend_schema(
        operation_id="register_lookup",
        summary="Intake: a person as the population register knows them",
        description="The IIN travels in the body, never in an address, so it stays out of logs.",
        request=s.IinQuerySerializer,
        responses={
            200: s.RegisterRecordSerializer,
            **ERRORS,
            429: OpenApiResponse(
                s.ErrorSerializer, description="lookup_limit: too many people looked up this hour."
            ),
        },
        tags=["workstation"],
    )
    def post(self, request: Request) -> Response:
        data = s.IinQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        iin = data.validated_data["iin"]
        record = self.handle(lambda: desk.register_lookup(self.scope, iin))
        return Response(s.RegisterRecordSerializer(register_data(record)).data)


class PersonCard(StaffAPIView):
    @extend_schema(
        operation_id="persons_retrieve",
        summary="A person's card with attachment history (the read is audited)",
        responses={200: s.PersonCardSerializer, **ERRORS},
        tags=["workstation"],
    )
    def get(self, request: Request, pk: int) -> Response:
        card = self.handle(lambda: people.person_card(self.scope, pk=pk))
        return Response(s.PersonCardSerializer(card).data)


class PersonLookup(StaffAPIView):
    @extend_schema(
        operation_id="persons_lookup",
        summary="A person's card found by IIN (in the body, to keep it out of logs)",
        request=s.IinQuerySerializer,
        responses={200: s.PersonCardSerializer, **ERRORS},
        tags=["workstation"],
    )
    def post(self, request: Request) -> Response:
        data = s.IinQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        iin = data.validated_data["iin"]
        card = self.handle(lambda: people.person_card(self.scope, iin=iin))
        return Response(s.PersonCardSerializer(card).data)


class PopulationPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


class PopulationSearch(StaffAPIView):
    @extend_schema(
        operation_id="population_list",
        summary="Search the attached population of your provider by IIN or surname",
        parameters=[
            OpenApiParameter("q", str, description="IIN (or its start) or surname"),
            OpenApiParameter("page", int, description="Page number, from 1"),
            OpenApiParameter("page_size", int, description="Rows a page (25; at most 200)"),
        ],
        responses={200: s.PopulationPageSerializer, **ERRORS},
        tags=["workstation"],
    )
    def get(self, request: Request) -> Response:
        query = str(request.query_params.get("q", ""))[:100]
        paginator = PopulationPagination()
        page = paginator.paginate_queryset(people.population(self.scope, query), request, self)
        rows = list(page or [])
        self.handle(lambda: people.audit_population_page(self.scope, query=query, shown=rows))
        return paginator.get_paginated_response(s.PopulationEntrySerializer(rows, many=True).data)
