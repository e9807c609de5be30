"""The API's errors: one shape, {"code", "message"} (and "fields" for bad input), with the
message in the request's language; the same domain errors as the pages show."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from bekitu.core.errors import Conflict, DomainError, NotFound
from bekitu.workstation.staff import NotPermitted

# Domain errors about the application's state rather than the request: 409.
CONFLICT_CODES = frozenset(
    {"transition_not_allowed", "conflict", "already_decided", "application_closed"}
)


def domain_status(exc: DomainError) -> int:
    """The HTTP status of a domain error."""
    if isinstance(exc, NotFound):
        return status.HTTP_404_NOT_FOUND
    if isinstance(exc, NotPermitted):
        return status.HTTP_403_FORBIDDEN
    if isinstance(exc, Conflict) or exc.code in CONFLICT_CODES:
        return status.HTTP_409_CONFLICT
    if exc.code == "lookup_limit":
        return status.HTTP_429_TOO_MANY_REQUESTS
    return status.HTTP_400_BAD_REQUEST


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        return _first_message(next(iter(detail.values()), ""))
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain errors and DRF's errors into {"code", "message"[, "fields"]}."""
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": str(exc.message)}
        return Response(body, status=domain_status(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data
        response.data = {
            "code": "invalid",
            "message": _first_message(fields) or _("The request has errors."),
            "fields": fields,
        }
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = {"code": code, "message": _first_message(exc.detail)}
    return response
