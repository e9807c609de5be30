"""The portal's API for the request (R9.5-R9.7) and the cabinet."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bekitu.core.errors import NotFound
from bekitu.core.vocabulary import AttachmentBasis
from bekitu.portal import directory, drafts, presenters
from bekitu.portal import requests as portal_requests
from bekitu.portal.api.auth import citizen
from bekitu.portal.api.views import ERRORS, GATEWAY_ERRORS, PortalView, query_checked
from bekitu.portal.dependants import (
    GUARDIAN,
    PARENT,
    dependant_check,
    discloses,
    person_named,
)
from bekitu.portal.errors import DraftInvalid
from bekitu.portal.models import CitizenRequest, Status


class DocumentOut(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    why = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]


class RequirementsOut(serializers.Serializer):
    documents = DocumentOut(many=True)
    max_bytes = serializers.IntegerField()
    types = serializers.ListField(child=serializers.CharField())


class RequirementsQuery(serializers.Serializer):
    recipient_iin = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text="the citizen's own if empty"
    )
    applicant_role = serializers.ChoiceField(
        choices=drafts.ROLES,
        required=False,
        allow_blank=True,
        help_text="self for the citizen's own IIN, otherwise parent, if empty",
    )
    basis = serializers.ChoiceField(
        choices=AttachmentBasis.choices,
        required=False,
        allow_blank=True,
        help_text="what the attachment rests on; the registered residence if empty",
    )
    pregnant = serializers.BooleanField(
        required=False, default=False, help_text="the recipient is pregnant (stated)"
    )


class ProvidersQuery(serializers.Serializer):
    q = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="name, locality, address or BIN"
    )
    recipient_iin = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text="the citizen's own if empty"
    )
    basis = serializers.ChoiceField(
        choices=AttachmentBasis.choices,
        required=False,
        allow_blank=True,
        help_text="the basis being chosen: for temporary or actual residence each provider's "
        "area is judged at `street` and `house` of its unit, else at the registered address",
    )
    street = serializers.CharField(max_length=255, required=False, allow_blank=True)
    house = serializers.IntegerField(min_value=1, required=False)


class PortalDistrictOut(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField(help_text="gp, paediatric, ...: whom the district serves")
    doctor = serializers.CharField(help_text="the district's doctor, empty when none")


class PortalProviderOut(serializers.Serializer):
    bin = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    locality = serializers.CharField()
    phone = serializers.CharField()
    districts = PortalDistrictOut(many=True)
    covers_address = serializers.BooleanField(
        allow_null=True,
        help_text="the address where the recipient lives (the registered one, or the street and "
        "house of a temporary or actual residence) is in one of its districts of the right kind; "
        "null: not judged, for the registered address of a recipient who is neither the citizen "
        "nor their child under 18 or ward",
    )
    home_visits = serializers.BooleanField()


class PortalCampaignOut(serializers.Serializer):
    opens = serializers.ListField(child=serializers.IntegerField(), help_text="[month, day]")
    closes = serializers.ListField(child=serializers.IntegerField(), help_text="[month, day]")


class PortalPolicyOut(serializers.Serializer):
    edition = serializers.CharField(help_text="the policy edition in force")
    window = PortalCampaignOut(allow_null=True, help_text="the campaign; null: all year")
    open = serializers.BooleanField(help_text="whether the campaign is open today")
    max_voluntary_changes = serializers.IntegerField(help_text="changes by free choice a year")
    changes_left = serializers.IntegerField(
        required=False,
        help_text="for the recipient: changes by free choice left this year (given for the "
        "citizen, their children under 18 and wards only)",
    )


class PortalUnitOut(serializers.Serializer):
    code = serializers.CharField(help_text="the unit's nine-digit KATO code")
    name = serializers.CharField()


class ProvidersOut(serializers.Serializer):
    providers = PortalProviderOut(many=True)
    policy = PortalPolicyOut()
    units = PortalUnitOut(
        many=True, help_text="the units with an open provider: where a basis may rest"
    )


class RequirementsView(PortalView):
    @extend_schema(
        parameters=[RequirementsQuery],
        responses={200: RequirementsOut, **GATEWAY_ERRORS},
        summary="The documents to attach for a recipient (the desk's checklist, R9.5)",
    )
    def get(self, request: Request) -> Response:
        account = citizen(request)
        query = query_checked(RequirementsQuery, request)
        iin = query.get("recipient_iin") or account.iin
        role = query.get("applicant_role") or ("self" if iin == account.iin else "parent")
        if (role == "self") != (iin == account.iin):
            raise ValidationError({"applicant_role": [_("Choose for whom you apply.")]})
        person_named(account, iin)
        if role in (PARENT, GUARDIAN):
            dependant_check(account.iin, iin, role)  # another's child is not one's to ask of
        basis = query.get("basis") or AttachmentBasis.REGISTERED_RESIDENCE
        needed = directory.requirements(iin, role, basis, query.get("pregnant", False))
        return Response(
            {
                "documents": [
                    {"code": d.code, "title": d.title, "why": d.why, "required": d.required}
                    for d in needed.documents
                ],
                "max_bytes": needed.max_bytes,
                "types": list(needed.types),
            }
        )


class ProvidersView(PortalView):
    @extend_schema(
        parameters=[ProvidersQuery],
        responses={200: ProvidersOut, **GATEWAY_ERRORS},
        summary="Providers to choose: districts, whether the address is in the area, policy",
    )
    def get(self, request: Request) -> Response:
        account = citizen(request)
        query = query_checked(ProvidersQuery, request)
        home = None
        if query.get("basis"):
            home = directory.Home(
                basis=query["basis"], street=query.get("street", ""), house=query.get("house")
            )
        recipient = query.get("recipient_iin") or account.iin
        person_named(account, recipient)
        found = directory.providers_search(
            query.get("q", ""), recipient, home, disclose=discloses(account.iin, recipient)
        )
        # The answer comes from the providers' system: written out through the serializer,
        # so that it has exactly the shape the schema gives.
        return Response(
            ProvidersOut(
                {"providers": found.providers, "policy": found.policy, "units": found.units}
            ).data
        )


class PoaIn(serializers.Serializer):
    number = serializers.CharField(max_length=100)
    issued_on = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True)
    issued_by = serializers.CharField(max_length=300)


class CopyIn(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    filename = serializers.CharField(max_length=255)
    content_base64 = serializers.CharField(trim_whitespace=False)


class BasisIn(serializers.Serializer):
    """What the attachment rests on and, but for the registered residence, the unit (KATO
    code, one of the providers query's `units`) and the text of the address it rests on."""

    kind = serializers.ChoiceField(
        choices=AttachmentBasis.choices, default=AttachmentBasis.REGISTERED_RESIDENCE
    )
    atu_code = serializers.CharField(max_length=9, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    pregnant = serializers.BooleanField(required=False, default=False)
    street = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="The address in parts, with `house`: the street as the register names it "
        "(Kazakh or Russian). For temporary or actual residence home visits follow it.",
    )
    house = serializers.IntegerField(required=False, allow_null=True, default=None)
    building = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    apartment = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")


class DraftIn(serializers.Serializer):
    recipient_iin = serializers.CharField(max_length=12, required=False, allow_blank=True)
    applicant_role = serializers.ChoiceField(choices=drafts.ROLES, required=False)
    provider_bin = serializers.CharField(max_length=12)
    district_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=40)
    phone = serializers.CharField(max_length=30)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    power_of_attorney = PoaIn(required=False)
    documents = CopyIn(many=True, required=False)
    basis = BasisIn(
        required=False,
        help_text="What the attachment rests on; the registered residence when left out.",
    )


class DraftOut(serializers.Serializer):
    draft_id = serializers.UUIDField()
    number = serializers.CharField()
    xml_to_sign = serializers.CharField(help_text='Sign it whole, enveloped, Reference URI="".')


class SubmitIn(serializers.Serializer):
    signed_xml = serializers.CharField(trim_whitespace=False)


class SubmitOut(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)


class PortalProviderRef(serializers.Serializer):
    bin = serializers.CharField()
    name = serializers.CharField()


class RequestEventOut(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Status.choices)
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="the status in the reader's language"
    )


class TalonOut(serializers.Serializer):
    number = serializers.CharField()
    signature_pending = serializers.BooleanField(
        help_text="the talon is issued (status talon_pending) but awaits the provider's "
        "e-signature (R3.1): its files come once signed, with the status talon_issued"
    )
    xml_url = serializers.CharField(
        allow_null=True,
        help_text="the signed e-talon (GET with the bearer token); null while "
        "the signature is pending",
    )
    pdf_url = serializers.CharField(allow_null=True, help_text="its PDF; null while pending")
    verify_url = serializers.CharField(help_text="the public check address; empty while pending")


class RefusalOut(serializers.Serializer):
    reason_code = serializers.CharField()
    legal_ground = serializers.CharField()
    message = serializers.CharField()


class BasisOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AttachmentBasis.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    atu_code = serializers.CharField(help_text="the unit's KATO code; empty: the registered one")
    address = serializers.CharField()


class CitizenRequestOut(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    channel = serializers.ChoiceField(
        choices=["portal", "desk", "phone"],
        help_text="portal: a request made here; desk or phone: an application taken at the "
        "provider, filed here when its talon was issued",
    )
    recipient_iin = serializers.CharField()
    provider = PortalProviderRef()
    registration_number = serializers.CharField(help_text="the provider's, once registered")
    submitted_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    seconds_left = serializers.IntegerField(
        allow_null=True, help_text="until the deadline, while no decision is made"
    )
    events = RequestEventOut(many=True)
    basis = BasisOut(allow_null=True, help_text="what the attachment rests on, as signed")
    talon = TalonOut(allow_null=True)
    refusal = RefusalOut(allow_null=True)


def _uploads(items: list[dict[str, Any]]) -> tuple[drafts.Upload, ...]:
    uploads = []
    for item in items:
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            message = _("The copy of %(name)s is not Base64 text.") % {"name": item["filename"]}
            raise ValidationError({"documents": [message]}) from None
        uploads.append(drafts.Upload(item["code"], item["filename"], content))
    return tuple(uploads)


# The form's names of the basis's fields, as the API's body names them (`basis.<name>`).
_BASIS_FIELDS = {
    "basis": "kind",
    "basis_atu_code": "atu_code",
    "basis_address": "address",
    "basis_street": "street",
    "basis_house": "house",
}


def _api_fields(fields: dict[str, list[str]]) -> dict[str, Any]:
    """The form's errors by the body's fields: the basis's under `basis`."""
    out: dict[str, Any] = {}
    for name, texts in fields.items():
        if name in _BASIS_FIELDS:
            out.setdefault("basis", {})[_BASIS_FIELDS[name]] = texts
        else:
            out[name] = texts
    return out


class DraftsView(PortalView):
    @extend_schema(
        request=DraftIn,
        responses={201: DraftOut, **GATEWAY_ERRORS},
        summary="Prepare a request to sign (R9.5): checked, with the SHA-256 of each e-copy",
    )
    def post(self, request: Request) -> Response:
        account = citizen(request)
        serializer = DraftIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        poa = data.get("power_of_attorney") or {}
        basis = data.get("basis") or {}
        iin = data.get("recipient_iin") or account.iin
        role = data.get("applicant_role") or ("self" if iin == account.iin else "parent")
        form = drafts.Form(
            recipient_iin=iin,
            applicant_role=role,
            provider_bin=data["provider_bin"],
            reason=data["reason"],
            phone=data["phone"],
            email=data.get("email", ""),
            district_number=data.get("district_number", ""),
            poa_number=poa.get("number", ""),
            poa_issued_on=poa.get("issued_on"),
            poa_valid_until=poa.get("valid_until"),
            poa_issued_by=poa.get("issued_by", ""),
            language=(translation.get_language() or "ru")[:2],
            uploads=_uploads(data.get("documents", [])),
            basis=basis.get("kind", AttachmentBasis.REGISTERED_RESIDENCE),
            basis_atu_code=basis.get("atu_code", ""),
            basis_address=basis.get("address", ""),
            pregnant=basis.get("pregnant", False),
            basis_street=basis.get("street", ""),
            basis_house=basis.get("house"),
            basis_building=basis.get("building", ""),
            basis_apartment=basis.get("apartment", ""),
        )
        try:
            draft = drafts.draft_create(account, form)
        except DraftInvalid as exc:
            raise ValidationError(_api_fields(exc.fields)) from None
        return Response(
            {
                "draft_id": str(draft.pk),
                "number": draft.number,
                "xml_to_sign": bytes(draft.xml).decode("utf-8"),
            },
            status=status.HTTP_201_CREATED,
        )


class SubmitView(PortalView):
    @extend_schema(
        request=SubmitIn,
        responses={202: SubmitOut, **ERRORS},
        summary="Submit the signed request: condition 2 (R9.6), or the refusal (R9.7)",
    )
    def post(self, request: Request, draft_id: str) -> Response:
        account = citizen(request)
        serializer = SubmitIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            sent = portal_requests.request_submit(
                account, draft_id, serializer.validated_data["signed_xml"]
            )
        except DraftInvalid as exc:  # as the draft's refusal said it (the power of attorney)
            raise ValidationError(_api_fields(exc.fields)) from None
        return Response(
            {"number": sent.number, "status": sent.status}, status=status.HTTP_202_ACCEPTED
        )


def own_request(account: Any, number: str) -> CitizenRequest:
    found = CitizenRequest.objects.filter(account=account, number=number).first()
    if found is None:
        raise NotFound(str(directory_message("not_found")))
    return found


def directory_message(code: str) -> str:
    from bekitu.portal.errors import MESSAGES

    return str(MESSAGES[code])


class RequestView(PortalView):
    @extend_schema(
        responses={200: CitizenRequestOut, **ERRORS},
        summary="One request: its timeline, the time left, the talon or the refusal",
    )
    def get(self, request: Request, number: str) -> Response:
        return Response(presenters.request_data(own_request(citizen(request), number)))


class TalonFileView(PortalView):
    kind = "xml"

    def get(self, request: Request, number: str) -> HttpResponse:
        found = presenters.talon_file(own_request(citizen(request), number), self.kind)
        if found is None:
            raise NotFound(directory_message("not_found"))
        response = HttpResponse(found.content, content_type=found.media_type)
        response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        return response


class TalonXmlView(TalonFileView):
    kind = "xml"

    @extend_schema(
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The e-talon signed with the provider's EDS."
            ),
            **ERRORS,
        },
        summary="The talon's signed XML (R9.12)",
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        return super().get(request, number)


class TalonPdfView(TalonFileView):
    kind = "pdf"

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The talon's PDF, carrying its signed XML."
            ),
            **ERRORS,
        },
        summary="The talon's PDF",
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        return super().get(request, number)
