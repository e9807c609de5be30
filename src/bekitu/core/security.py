"""Web hardening that Django 5.2 does not carry itself (docs/security.md).

- `client_ip`: the client's address, reading X-Forwarded-For only as far as the configured
  number of trusted proxies, so a client cannot choose its own address by sending the header.
- `SecurityHeadersMiddleware`: a strict Content-Security-Policy and a Permissions-Policy on
  every HTML page, and `Cache-Control: private, no-store` on pages shown to a logged-in user
  (a shared workstation's browser keeps no copy of a person's card).
- `IdleSessionMiddleware`: a logged-in user who does nothing for SESSION_IDLE_SECONDS is
  logged out (a workstation left open in a polyclinic corridor).
- `AdminNetworkMiddleware`: the admin answers only addresses in ADMIN_NETWORKS.
- `RequestSizeMiddleware`: a body larger than REQUEST_MAX_BYTES is answered 413 before
  anything reads it (Django would otherwise spool any multipart upload to disk, for any
  address, before the CSRF check or the view could refuse it).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

log = logging.getLogger("bekitu.core")

LAST_SEEN = "bekitu_last_seen"
# The last-seen time is written back at most this often, so an active session is not
# saved on every request.
LAST_SEEN_RESOLUTION = 60

Handler = Callable[[HttpRequest], HttpResponse]


def client_ip(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXIES = n > 0 the n-th address
    from the right of X-Forwarded-For (the one the outermost trusted proxy saw)."""
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0))
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [a for a in forwarded if a]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy() -> str:
    """The policy: only this site's own scripts, styles, fonts and images (and data: images,
    which the admin's and Swagger UI's icons are); no framing, no plug-ins, forms post here
    only; scripts may also talk to NCALayer's websocket (EDS_NCALAYER_URL)."""
    connect = " ".join(filter(None, ["'self'", _origin(settings.EDS_NCALAYER_URL)]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)


def _is_authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """CSP and Permissions-Policy on HTML pages; no caching of logged-in users' pages."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            header = (
                "Content-Security-Policy-Report-Only"
                if settings.CSP_REPORT_ONLY
                else "Content-Security-Policy"
            )
            response.headers.setdefault(header, content_security_policy())
            response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _is_authenticated(request) and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class IdleSessionMiddleware:
    """Log out a user whose last request is older than SESSION_IDLE_SECONDS."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = int(settings.SESSION_IDLE_SECONDS)
        if limit > 0 and _is_authenticated(request):
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > limit:
                user_id = request.user.pk
                logout(request)
                log.info("session.idle_logout", extra={"fields": {"user": user_id}})
            elif not isinstance(last, int) or now - last >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


def _networks(
    values: list[str],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def address_in(address: str, networks: list[str]) -> bool:
    """Whether the address lies in one of the networks (an unparsable address never does)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(networks))


class AdminNetworkMiddleware:
    """The admin is answered 404 outside ADMIN_NETWORKS (empty: from everywhere)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        networks = list(settings.ADMIN_NETWORKS)
        if networks and request.path.startswith(reverse("admin:index")):
            address = client_ip(request)
            if not address_in(address, networks):
                log.warning("admin.refused_address", extra={"fields": {"path": request.path}})
                raise Http404("admin")
        return self.get_response(request)


class RequestSizeMiddleware:
    """Refuse (413) a request whose declared body is larger than REQUEST_MAX_BYTES."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > int(settings.REQUEST_MAX_BYTES):
            log.warning("request.too_large", extra={"fields": {"bytes": declared}})
            return HttpResponse(status=413)
        return self.get_response(request)
