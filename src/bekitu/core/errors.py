"""Errors: the domain's, and how the site answers any error.

A service raises a `DomainError` instead of writing half a change; its `code` is stable and its
message is for people. The site answers errors with a localised page for people and
`{"code", "message"}` for programs (everything under /api/ and /portal/api/), whatever raised
them and with debug mode on or off.

The pages are Django's error handlers (`bekitu.urls` names them); the API's JSON comes from
DRF's exception handler (`api_exception_handler`) for the API's own views and from
`ApiErrorMiddleware` for the rest: an address that matches nothing, a method a view does not
take, an exception no view caught.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

log = logging.getLogger("bekitu.core")

API_PREFIXES = ("/api/", "/portal/api/")
# Headers an error keeps when its body is replaced: they tell the client what to do next.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class DomainError(Exception):
    """A rule of the service forbids the change. `code` is stable; `message` is for people."""

    code = "domain_error"

    def __init__(self, message: str | Promise = "", *, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


def is_api(request: HttpRequest) -> bool:
    """Whether the request is addressed to a program interface (answered in JSON)."""
    return request.path_info.startswith(API_PREFIXES)


def status_code_name(status_code: int) -> str:
    """The stable `code` of an HTTP error status."""
    return {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        406: "not_acceptable",
        413: "request_too_large",
        415: "unsupported_media_type",
        429: "throttled",
        500: "server_error",
        503: "unavailable",
    }.get(status_code, "error" if status_code < 500 else "server_error")


def status_message(status_code: int) -> str:
    """What an HTTP error status means, in the active language."""
    messages = {
        400: _("The request is not valid."),
        401: _("Log in to use this address."),
        403: _("You may not do this."),
        404: _("Nothing is at this address."),
        405: _("This address does not take this method."),
        406: _("This address cannot answer in the format asked for."),
        413: _("The request is too large."),
        415: _("This address does not take this type of content."),
        429: _("Too many requests. Wait a little and try again."),
        503: _("The service is not available right now. Try again later."),
    }
    fallback = _("Something went wrong on our side. Try again later.")
    if status_code < 500:
        fallback = _("The request cannot be answered.")
    return str(messages.get(status_code, fallback))


def json_error(status_code: int, *, code: str | None = None, message: str = "") -> JsonResponse:
    """`{"code", "message"}` with the status; the message in the active language."""
    body = {
        "code": code or status_code_name(status_code),
        "message": message or status_message(status_code),
    }
    return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})


def _domain_status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return status.HTTP_404_NOT_FOUND
    if isinstance(exc, Conflict):
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's errors and domain errors as `{"code", "message"}` (the project's default
    handler; an app with its own statuses, like the workstation's, refines it)."""
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "message": str(exc.message)}, _domain_status(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(status_message(404))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(status_message(403))
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    message = exc.detail if isinstance(exc.detail, str) else status_message(response.status_code)
    response.data = {"code": code, "message": str(message)}
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "message": _("The request has errors."),
            "fields": exc.detail,
        }
    return response


class ApiErrorMiddleware:
    """Every error under the API prefixes answers `{"code", "message"}`: Django's pages
    (the debug pages included: a wrong API path must not list the site's URLs) and an
    exception no view caught (logged, then a JSON 500 even in debug mode)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        replaced = json_error(response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                replaced[header] = response[header]
        return replaced

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api(request):
            return None
        if isinstance(exception, Http404):
            return json_error(404)
        if isinstance(exception, PermissionDenied):
            return json_error(403)
        log.error(
            "request.failed",
            exc_info=exception,
            extra={"fields": {"path": request.path_info, "method": request.method}},
        )
        return json_error(500)
