"""The portal's API: accounts (R9.1-R9.4). The request and the cabinet follow the same way."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bekitu.core import work
from bekitu.portal import accounts, address_limits, sessions
from bekitu.portal.api.auth import (
    BearerAuthentication,
    IsCitizen,
    bearer_token,
    citizen,
    portal_exception_handler,
)
from bekitu.portal.dependants import GUARDIAN, PARENT, dependants_of
from bekitu.portal.models import Challenge


class AddressChallengeOut(serializers.Serializer):
    """A proof of work asked for past a per-address limit (docs/decisions/0020); not the EDS
    challenge of `auth/challenge`."""

    algorithm = serializers.ChoiceField(choices=["SHA-256"])
    salt = serializers.CharField(help_text="32 hex digits")
    difficulty = serializers.IntegerField(
        help_text="Find a nonce such that SHA-256 of the UTF-8 text salt + nonce begins with "
        "this many zero bits."
    )
    expires = serializers.IntegerField(help_text="Unix seconds: send the proof before then.")
    mac = serializers.CharField(help_text="The server's seal of the rest: send it back as is.")


class AddressProofIn(serializers.Serializer):
    """The challenge of a `challenge_required` answer, sent back as given with the nonce."""

    salt = serializers.CharField(max_length=64)
    difficulty = serializers.IntegerField(min_value=0, max_value=work.MAX_DIFFICULTY)
    expires = serializers.IntegerField(min_value=0)
    mac = serializers.CharField(max_length=128)
    nonce = serializers.CharField(max_length=work.NONCE_MAX_LENGTH, trim_whitespace=False)


PROOF_HELP = (
    "Only past the address's limit: the `challenge` of the last `challenge_required` or "
    "`challenge_invalid_proof` answer with the nonce found; good for one attempt."
)


class PortalErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    reason = serializers.CharField(required=False, help_text="eds_not_confirmed: the EDS reason")
    challenge = AddressChallengeOut(
        required=False,
        help_text="challenge_required, challenge_invalid_proof: the proof of work to do, then "
        "send the same request again with `proof`.",
    )


ERRORS = {
    400: OpenApiResponse(PortalErrorSerializer, description="Invalid input or a rule forbids it."),
    401: OpenApiResponse(
        PortalErrorSerializer,
        description="Not registered, wrong credentials; not_authenticated (no valid token); "
        "session_ended (condition 1 no longer holds: the token is revoked).",
    ),
    403: OpenApiResponse(
        PortalErrorSerializer, description="Not in the register, deceased, not your request."
    ),
    404: OpenApiResponse(PortalErrorSerializer, description="No such request of yours."),
    409: OpenApiResponse(
        PortalErrorSerializer,
        description="Already registered or submitted; provider_not_connected: the provider's "
        "system is not connected to the gateway, nothing was sent.",
    ),
    422: OpenApiResponse(PortalErrorSerializer, description="The EDS was not confirmed."),
    429: OpenApiResponse(
        PortalErrorSerializer,
        description="locked (this IIN from this address), too_many_codes (for this IIN); "
        "challenge_required, challenge_invalid_proof (past the failed logins or the codes asked "
        "for from this address in the hour: solve `challenge` and send the request again with "
        "`proof`); too_many_lookups (other persons named by this account in the hour).",
    ),
    503: OpenApiResponse(
        PortalErrorSerializer,
        description="sms_unavailable: the SMS service did not take the code; "
        "population_unavailable: the population register cannot confirm the login now.",
    ),
}
# The operations that ask the providers' system or the register through the gateway.
GATEWAY_ERRORS = {
    **ERRORS,
    504: OpenApiResponse(
        PortalErrorSerializer,
        description="provider_unavailable, register_unavailable: the providers' system or the "
        "register did not answer in time.",
    ),
}


class PortalView(APIView):
    """The portal's API views: bearer tokens, {"code", "message"} errors."""

    authentication_classes = [BearerAuthentication]
    permission_classes = [IsCitizen]

    def get_exception_handler(self) -> Any:
        return portal_exception_handler


class PublicView(PortalView):
    """Registration and login: no credentials asked, and none read. A client that still sends
    the header of a token revoked or ended (condition 1 no longer holding) must be able to
    log in again, so the header is not even looked at here."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def query_checked(
    serializer_class: type[serializers.Serializer], request: Request
) -> dict[str, Any]:
    """The query string checked like a body: a parameter the operation does not take, or a
    value outside its kind, is bad input (400), not silently ignored."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    unknown = set(request.query_params) - set(serializer.fields)
    if unknown:
        raise ValidationError({name: [_("The request has errors.")] for name in sorted(unknown)})
    return dict(serializer.validated_data)


class ChallengeIn(serializers.Serializer):
    iin = serializers.CharField(max_length=20)
    purpose = serializers.ChoiceField(
        choices=Challenge.Purpose.choices, default=Challenge.Purpose.REGISTER
    )


class ChallengeOut(serializers.Serializer):
    challenge_id = serializers.UUIDField()
    xml = serializers.CharField(help_text="Sign it whole with the authentication key.")
    expires_at = serializers.DateTimeField()


class CodeIn(serializers.Serializer):
    iin = serializers.CharField(max_length=20)
    proof = AddressProofIn(required=False, help_text=PROOF_HELP)


class CodeOut(serializers.Serializer):
    challenge_id = serializers.UUIDField()
    phone = serializers.CharField(help_text="The register's number, masked.")
    expires_at = serializers.DateTimeField()


class RegisterIn(serializers.Serializer):
    iin = serializers.CharField(max_length=20)
    password = serializers.CharField(trim_whitespace=False)
    challenge_id = serializers.CharField()
    signed_xml = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    code = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("signed_xml") and not attrs.get("code"):
            raise ValidationError({"signed_xml": [accounts.proof_missing_message()]})
        return attrs


class RegisterOut(serializers.Serializer):
    iin = serializers.CharField()
    proof = serializers.CharField()


class LoginIn(serializers.Serializer):
    iin = serializers.CharField(max_length=20)
    password = serializers.CharField(required=False, trim_whitespace=False)
    challenge_id = serializers.CharField(required=False)
    signed_xml = serializers.CharField(required=False, trim_whitespace=False)
    proof = AddressProofIn(required=False, help_text=PROOF_HELP)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("password") and not attrs.get("signed_xml"):
            raise ValidationError({"password": [accounts.proof_missing_message()]})
        return attrs


class TokenOut(serializers.Serializer):
    token = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="seconds")


class MeOut(serializers.Serializer):
    iin = serializers.CharField()
    name = serializers.CharField()


class DependantOut(serializers.Serializer):
    iin = serializers.CharField()
    name = serializers.CharField()
    birth_date = serializers.DateField()
    relation = serializers.ChoiceField(
        choices=[PARENT, GUARDIAN],
        help_text="parent: your child under 18 (apply as parent); guardian: your ward",
    )


class DependantsOut(serializers.Serializer):
    dependants = DependantOut(many=True)


class ChallengeView(PublicView):
    @extend_schema(
        request=ChallengeIn,
        responses={200: ChallengeOut, **ERRORS},
        summary="A one-time challenge to sign with the EDS authentication key (R9.1, R9.2)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(ChallengeIn, request.data)
        issued = accounts.challenge_issue(data["iin"], data["purpose"])
        return Response(
            {
                "challenge_id": str(issued.challenge.id),
                "xml": issued.xml,
                "expires_at": issued.challenge.expires_at,
            }
        )


class CodeView(PublicView):
    @extend_schema(
        request=CodeIn,
        responses={200: CodeOut, **ERRORS},
        summary="Send a one-time registration code to the register's phone (R9.1)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(CodeIn, request.data)
        proof = address_limits.proof_read(data.get("proof"))
        issued = accounts.code_send(request, data["iin"], proof)
        return Response(
            {
                "challenge_id": str(issued.challenge.id),
                "phone": issued.phone,
                "expires_at": issued.challenge.expires_at,
            }
        )


class RegisterView(PublicView):
    @extend_schema(
        request=RegisterIn,
        responses={201: RegisterOut, **ERRORS},
        summary="Register with IIN and password, proved by the signed challenge or the code",
    )
    def post(self, request: Request) -> Response:
        data = _valid(RegisterIn, request.data)
        try:
            account = accounts.register(
                iin=data["iin"],
                password=data["password"],
                challenge_id=data["challenge_id"],
                signed_xml=data.get("signed_xml") or "",
                code=data.get("code") or "",
            )
        except DjangoValidationError as exc:
            raise ValidationError({"password": list(exc.messages)}) from None
        return Response(
            {"iin": account.iin, "proof": account.proof}, status=status.HTTP_201_CREATED
        )


class LoginView(PublicView):
    @extend_schema(
        request=LoginIn,
        responses={200: TokenOut, **ERRORS},
        summary="Log in (condition 1, R9.3): a bearer token, or the refusal's code (R9.4)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(LoginIn, request.data)
        proof = address_limits.proof_read(data.get("proof"))
        if data.get("signed_xml"):
            account = accounts.login_by_eds(
                request,
                iin=data["iin"],
                challenge_id=data.get("challenge_id") or "",
                signed_xml=data["signed_xml"],
                proof=proof,
            )
        else:
            account = accounts.login_check(request, data["iin"], data["password"], proof)
        token = sessions.token_issue(account)
        return Response({"token": token, "expires_in": sessions.token_seconds()})


class LogoutView(PortalView):
    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The token is revoked."), **ERRORS},
        summary="Log out: the bearer token of this request stops working (the others stand)",
    )
    def post(self, request: Request) -> Response:
        sessions.token_revoke(token=bearer_token(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(PortalView):
    @extend_schema(responses={200: MeOut, **ERRORS}, summary="Who the token belongs to")
    def get(self, request: Request) -> Response:
        account = citizen(request)
        return Response({"iin": account.iin, "name": accounts.display_name(account)})


class DependantsView(PortalView):
    @extend_schema(
        responses={200: DependantsOut, **ERRORS},
        summary="Whom else you may apply for: your children under 18 and your wards (R9.5)",
    )
    def get(self, request: Request) -> Response:
        account = citizen(request)
        return Response(
            {
                "dependants": [
                    {
                        "iin": d.iin,
                        "name": d.name,
                        "birth_date": d.birth_date,
                        "relation": d.relation,
                    }
                    for d in dependants_of(account.iin)
                ]
            }
        )
