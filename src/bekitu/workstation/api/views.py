"""The workstation's REST API: the desk's operations, scoped and audited like the pages."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, cast

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError, NotFound
from bekitu.service import selectors, services
from bekitu.workstation import presenters
from bekitu.workstation.api import serializers as s
from bekitu.workstation.api.auth import BasicAuthentication
from bekitu.workstation.api.data import (
    application_data,
    application_summary,
    register_data,
    scan_data,
)
from bekitu.workstation.api.errors import api_exception_handler
from bekitu.workstation.api.intake import ApplicationCreateSerializer
from bekitu.workstation.staff import (
    PDF_RETRY_SECONDS,
    StaffScope,
    found_or_404,
    pdf_response,
    require_actor,
    scan_response,
    scope_for,
)

if TYPE_CHECKING:
    from bekitu.core.models import User
    from bekitu.service.models import Application

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input or a rule forbids it."),
    403: OpenApiResponse(s.ErrorSerializer, description="Not provider staff, or not allowed."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such thing in your scope."),
}
ACTION_ERRORS = {**ERRORS, 409: OpenApiResponse(s.ErrorSerializer, description="Wrong state.")}
PDF = OpenApiResponse(OpenApiTypes.BINARY, description="The document as application/pdf.")
PENDING = OpenApiResponse(
    s.ErrorSerializer,
    description="A fresh talon's PDF is still being signed (code `pdf_pending`): ask again "
    "after the Retry-After header's seconds.",
)


class IsProviderStaff(BasePermission):
    """Provider staff only; the view gets the staff member's scope."""

    message = "Only provider staff may use this API."
    code = "not_staff"

    def has_permission(self, request: Request, view: Any) -> bool:
        view.scope = scope_for(request.user)
        return view.scope is not None


class StaffAPIView(APIView):
    """Basic or session authentication; provider staff; every audit row written while the
    request is handled (reads included) names the staff member, channel "api"."""

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [IsProviderStaff]
    scope: StaffScope
    # Only the statistics-office specialist takes and decides applications (R7).
    act = False

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The staff member is known only once DRF has authenticated the request (in
        # `initial`); the audit context set there ends with the request, whatever happens.
        self._audit = ExitStack()
        with self._audit:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self._audit.enter_context(audit_context(actor=self.scope.actor, channel="api"))
        if self.act:
            require_actor(self.scope)

    @property
    def staff_user(self) -> User:
        """The staff member making the request (IsProviderStaff lets no one else in)."""
        return cast("User", self.request.user)

    def application(self, number: str) -> Application:
        """The application, if a provider in the staff member's scope has it; else 404."""
        return found_or_404(selectors.application_get(number=number, scope=self.scope))


class ApplicationListCreate(StaffAPIView):
    @extend_schema(
        operation_id="applications_list",
        summary="The queue: open applications of your provider, the nearest deadline first",
        responses={200: s.ApplicationSummarySerializer(many=True), **ERRORS},
        tags=["workstation"],
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        queue = selectors.application_queue(scope=self.scope, now=now)
        rows = [application_summary(a, now) for a in queue]
        return Response(s.ApplicationSummarySerializer(rows, many=True).data)

    @extend_schema(
        operation_id="applications_create",
        summary="Record a desk or telephone application (intake) and run the checks",
        request=ApplicationCreateSerializer,
        responses={201: s.ApplicationSerializer, **ERRORS},
        tags=["workstation"],
    )
    def post(self, request: Request) -> Response:
        require_actor(self.scope)
        data = ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        intake = services.Intake(
            recipient_iin=v["recipient_iin"],
            channel=v["channel"],
            reason=v["reason"],
            applicant_role=v["applicant_role"],
            applicant_iin=v.get("applicant_iin") or "",
            power_of_attorney=data.power_of_attorney_of(v),
            declared=_declared(v.get("identity_document")),
            district_id=v.get("district_id"),
            basis=_basis(v.get("basis")),
            caller=data.caller_of(v),
        )
        try:
            application = services.application_intake(
                scope=self.scope, intake=intake, by=self.staff_user, looked_up_by=self.scope.actor
            )
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
        application = self.application(number)
        return Response(
            s.ApplicationSerializer(application_data(application, timezone.now(), request)).data
        )


class _ApplicationAction(StaffAPIView):
    act = True

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
        application = self.application(number)
        data = s.AcceptDocumentsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_accept_documents(
            application=application, documents=data.validated_data["documents"], by=self.staff_user
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
        application = self.application(number)
        services.application_issue_talon(application=application, by=self.staff_user)
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
        application = self.application(number)
        data = s.RefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.application_refuse(
            application=application,
            reason_code=v["reason_code"],
            comment=v["comment"],
            by=self.staff_user,
        )
        return self.respond(request, application)


class DistrictOverride(_ApplicationAction):
    # The head decides this, not the specialist: the service checks the role.
    act = False

    @extend_schema(
        operation_id="applications_district_override",
        summary="A head admits the chosen district above its normative size, saying why",
        request=s.DistrictOverrideSerializer,
        responses={200: s.ApplicationSerializer, **ACTION_ERRORS},
        tags=["workstation"],
    )
    def post(self, request: Request, number: str) -> Response:
        application = self.application(number)
        data = s.DistrictOverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_district_override(
            application=application,
            by=self.staff_user,
            reason=data.validated_data["reason"],
            district_id=data.validated_data["district_id"],
        )
        return self.respond(request, application)


class DocumentPdf(StaffAPIView):
    kind = "talon"

    def get(self, request: Request, number: str) -> HttpResponseBase:
        application = self.application(number)
        pdf = selectors.application_document_pdf(application=application, kind=self.kind)
        name, body = found_or_404(pdf)
        if body is None:
            message = _("The talon's PDF is being signed; ask again in a second.")
            response = Response({"code": "pdf_pending", "message": str(message)}, status=202)
            response["Retry-After"] = str(PDF_RETRY_SECONDS)
            return response
        return pdf_response(body, name)


def _declared(document: dict[str, Any] | None) -> services.Declared | None:
    """The recipient's data as the presented identity document states them (R4-1)."""
    if not document:
        return None
    return services.Declared(
        surname=document["surname"],
        given_name=document["given_name"],
        patronymic=document["patronymic"],
        birth_date=document["birth_date"],
        document_number=document["number"],
    )


def _basis(basis: dict[str, Any] | None) -> services.Basis | None:
    """What the attachment rests on, as stated; None is the registered residence."""
    if not basis:
        return None
    return services.Basis(
        kind=basis["kind"],
        atu_code=basis["atu_code"],
        address=basis["address"],
        pregnant=basis["pregnant"],
        street=basis["street"],
        house=basis["house"],
        building=basis["building"],
        apartment=basis["apartment"],
    )


def _pdf_schema(operation_id: str, summary: str) -> Any:
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            summary=summary,
            responses={(200, "application/pdf"): PDF, 202: PENDING, **ERRORS},
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
    act = True
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
        application = self.application(number)
        data = s.ScanUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        document = services.application_document_add(
            application=application,
            kind=v["kind"],
            file=v["file"],
            note=v["note"],
            by=self.staff_user,
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
        return scan_response(self.scope, number, pk)


class RegisterLookup(StaffAPIView):
    act = True

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
        record = services.population_lookup(
            iin=iin, scope=self.scope, looked_up_by=self.scope.actor
        )
        return Response(s.RegisterRecordSerializer(register_data(record)).data)


class PersonCard(StaffAPIView):
    @extend_schema(
        operation_id="persons_retrieve",
        summary="A person's card with attachment history (the read is audited)",
        responses={200: s.PersonCardSerializer, **ERRORS},
        tags=["workstation"],
    )
    def get(self, request: Request, pk: int) -> Response:
        card = found_or_404(selectors.person_card(scope=self.scope, pk=pk))
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
        card = found_or_404(selectors.person_card(scope=self.scope, iin=iin))
        return Response(s.PersonCardSerializer(card).data)


class PopulationPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Any) -> int | None:
        """The asked page size (at most max_page_size), or a 400 for what is not a whole
        number from 1 (`null`, 0, a word): answering the default would hide the mistake."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            message = _("The page size is a whole number from 1 to %(max)d.")
            raise ValidationError(
                {self.page_size_query_param: [message % {"max": self.max_page_size}]}
            )
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """The page and page size as the API takes them: whole numbers from 1."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


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
        population = selectors.population_search(scope=self.scope, query=query)
        rows = list(paginator.paginate_queryset(population, request, self) or [])
        selectors.population_page_audit(scope=self.scope, query=query, shown=rows)
        return paginator.get_paginated_response(s.PopulationEntrySerializer(rows, many=True).data)
