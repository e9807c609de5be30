"""`Authorization: Bearer <token>` for the portal's API, and its errors' one shape."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler

from bekitu.core.errors import DomainError, NotFound
from bekitu.portal.errors import MESSAGES, ChallengeRequired, EdsNotConfirmed, PortalError
from bekitu.portal.models import Account, ApiToken
from bekitu.portal.sessions import token_get

# The HTTP status of each refusal; anything else is 400.
STATUS = {
    "not_registered": status.HTTP_401_UNAUTHORIZED,
    "wrong_credentials": status.HTTP_401_UNAUTHORIZED,
    "not_authenticated": status.HTTP_401_UNAUTHORIZED,
    "locked": status.HTTP_429_TOO_MANY_REQUESTS,
    "too_many_codes": status.HTTP_429_TOO_MANY_REQUESTS,
    # Past a per-address limit: the body's `challenge` is the proof of work to send back.
    "challenge_required": status.HTTP_429_TOO_MANY_REQUESTS,
    "challenge_invalid_proof": status.HTTP_429_TOO_MANY_REQUESTS,
    "too_many_lookups": status.HTTP_429_TOO_MANY_REQUESTS,
    "sms_unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
    "provider_not_connected": status.HTTP_409_CONFLICT,
    "population_unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
    "session_ended": status.HTTP_401_UNAUTHORIZED,
    "person_not_found": status.HTTP_403_FORBIDDEN,
    "deceased": status.HTTP_403_FORBIDDEN,
    "account_disabled": status.HTTP_403_FORBIDDEN,
    "not_your_request": status.HTTP_403_FORBIDDEN,
    "not_a_dependant": status.HTTP_403_FORBIDDEN,
    "already_registered": status.HTTP_409_CONFLICT,
    "login_taken": status.HTTP_409_CONFLICT,
    "already_submitted": status.HTTP_409_CONFLICT,
    "eds_not_confirmed": status.HTTP_422_UNPROCESSABLE_ENTITY,
    # The register of attachments, or the providers' system, behind the gateway did not
    # answer in time.
    "register_unavailable": status.HTTP_504_GATEWAY_TIMEOUT,
    "provider_unavailable": status.HTTP_504_GATEWAY_TIMEOUT,
}


class BearerAuthentication(BaseAuthentication):
    """A token from `POST auth/login`; the request's user is the citizen's, its `auth` the
    token (so that `POST auth/logout` revokes that one)."""

    keyword = b"bearer"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("The token is missing or malformed."))
        try:
            token = token_get(parts[1].decode("ascii", "replace"))
        except PortalError as refused:
            raise _refusal(refused) from None
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid or has expired."))
        return token.account.user, token

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"


class _Refused(exceptions.APIException):
    """A refusal met while authenticating, with its portal code and status."""

    def __init__(self, refused: PortalError) -> None:
        super().__init__(str(refused.message), code=refused.code)
        self.status_code = STATUS.get(refused.code, status.HTTP_400_BAD_REQUEST)


def _refusal(refused: PortalError) -> exceptions.APIException:
    """The framework's exception for a refusal met while authenticating: a 401 is
    AuthenticationFailed (so it carries the WWW-Authenticate header), with the portal's code."""
    if STATUS.get(refused.code) == status.HTTP_401_UNAUTHORIZED:
        return exceptions.AuthenticationFailed(str(refused.message), code=refused.code)
    return _Refused(refused)


class BearerScheme(OpenApiAuthenticationExtension):
    """The bearer scheme in the OpenAPI schema."""

    target_class = "bekitu.portal.api.auth.BearerAuthentication"
    name = "portalBearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}


class IsCitizen(BasePermission):
    """A logged-in citizen (a bearer token or the portal's session)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and hasattr(user, "citizen_account"))


def citizen(request: Any) -> Account:
    """The account of the request's citizen."""
    account: Account = request.user.citizen_account
    return account


def bearer_token(request: Any) -> ApiToken:
    """The token the request came with (its citizen logged in through the API)."""
    token: ApiToken = request.auth
    return token


def portal_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as {"code", "message"} in the request's language (and "reason" for an
    EDS not confirmed, "fields" for bad input, "challenge" for a proof of work to do)."""
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"code": exc.code, "message": str(exc.message)}
        if isinstance(exc, EdsNotConfirmed):
            body["reason"] = exc.reason
        if isinstance(exc, ChallengeRequired):
            body["challenge"] = exc.challenge
        code = STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, NotFound):
            code = status.HTTP_404_NOT_FOUND
        return Response(body, status=code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data
        response.data = {"code": "invalid", "message": _first(fields), "fields": fields}
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        message = str(MESSAGES["not_authenticated"])
        if isinstance(exc, exceptions.AuthenticationFailed):
            message = _first(exc.detail)
        codes = exc.get_codes()  # a refusal of the portal's (session_ended) keeps its code
        named = codes if isinstance(codes, str) and codes in MESSAGES else "not_authenticated"
        response.data = {"code": named, "message": message}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else exc.default_code,
            "message": _first(exc.detail),
        }
    return response


def _first(detail: Any) -> str:
    if isinstance(detail, dict):
        return _first(next(iter(detail.values()), ""))
    if isinstance(detail, list):
        return _first(detail[0]) if detail else ""
    return str(detail) or _("The request has errors.")
