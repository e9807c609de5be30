"""The start page, the site's icon, and the error pages: one localised page per error status
(404, 403, 400, 500, 429), JSON for the API's addresses (bekitu.core.errors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.csrf import requires_csrf_token
from django.views.generic import RedirectView

from bekitu.core.errors import is_api, json_error


def start_page(request: HttpRequest) -> HttpResponse:
    """The start page: what the service is and where each kind of user goes."""
    return render(request, "core/start.html")


class FaviconView(RedirectView):
    """The icon at the address browsers ask first: the pages name it (`<link rel="icon">`),
    and a client that asks here anyway is sent to it, not answered 404 and logged. Its
    static address is read at the request (the hashed name of the collected files)."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("bekitu/favicon.svg")


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    """The page of an error status in the request's language; JSON under the API."""
    if is_api(request):
        return json_error(status)
    return render(request, f"{status}.html", {"status": status}, status=status)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: nothing at this address (Django's handler404)."""
    return error_page(request, 404)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: not allowed (Django's handler403; also a failed CSRF check)."""
    return error_page(request, 403)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: a request Django could not take (Django's handler400)."""
    return error_page(request, 400)


def too_many_requests(request: HttpRequest, retry_after: int | None = None) -> HttpResponse:
    """429: too many requests from this client; come back after `retry_after` seconds."""
    response = error_page(request, 429)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """500 (Django's handler500). The page needs nothing that could fail again: no database,
    no session, no URL that might not resolve; only the language the request asked for."""
    if is_api(request):
        return json_error(500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (an expired page, usually): the 403 page."""
    return error_page(request, 403)
