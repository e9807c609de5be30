"""Web hardening that Django 5.2 does not carry itself, and the service's security limits
(docs/security.md).

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
- `BoundedJSONParser`: the API's JSON parser, refusing (400) a body nested deeper than
  JSON_MAX_DEPTH, or so deep that Python's recursive parser gives up (a thousand `[` was a
  500).
- `CredentialMaskingFilter`: error reports (the debug page, mailed and logged reports) show
  URL settings and environment variables with their passwords masked (the broker's, the
  database's, the cache's), whatever the setting is called.
- `LockoutModelBackend`, `hit`, `hit_distinct`: the login lockout and the other limits (the
  talon check's rate, the register look-up limit), counted in the database (see below).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.debug import SafeExceptionReporterFilter
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from bekitu.core.logging import mask_url_credentials
from bekitu.core.models import SecurityCounter

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


JSON_MAX_DEPTH = 32


def json_depth(value: Any) -> int:
    """How deeply lists and dicts nest in a parsed JSON value, computed without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item)
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit: deeper than JSON_MAX_DEPTH is a 400, and so is
    a body so deep that Python's parser gives up (RecursionError was a 500)."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """The parsed body; ParseError (400) when it nests too deeply or is not JSON (in the
        reader's language: DRF's own message is English, with the parser's words)."""
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(_("The body is not valid JSON.")) from None
        except RecursionError:
            data = None
        else:
            if json_depth(data) <= JSON_MAX_DEPTH:
                return data
        log.warning("request.json_too_deep", extra={"fields": {}})
        raise ParseError(
            _("The JSON is nested deeper than %(limit)d levels.") % {"limit": JSON_MAX_DEPTH}
        )


class CredentialMaskingFilter(SafeExceptionReporterFilter):
    """Django's filter of error reports (names that look secret are hidden), which also
    masks passwords inside URL-valued settings and environment variables, however named:
    BEKITU_BROKER_URL, DATABASE_URL, BEKITU_CACHE_URL, CELERY_BROKER_URL, a proxy's URL."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        """The value as a report may show it."""
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return mask_url_credentials(cleansed)
        return cleansed


# Login lockout and the service's other security limits, counted in the database.
#
# After LOGIN_FAILURE_LIMIT failed logins of one user name from one address, that pair is
# refused for LOGIN_LOCKOUT_SECONDS, whatever the password. It sits in the authentication
# backend, so it covers every way in that asks for a password: the workstation's login page,
# the admin's, and the API's Basic authentication. Keyed by user name *and* address, a guesser
# from one address is stopped without letting anyone lock a specialist out from elsewhere; the
# user name is hashed, never stored or logged.
#
# The counters are rows of `SecurityCounter`, changed under a row lock (`select_for_update`;
# SQLite's IMMEDIATE transactions serialise writers), so they are atomic and the same for every
# process, and no flood of other keys evicts them (a local-memory cache of 300 entries did).
# An attempt takes its place in the count *before* its password is checked, so thirty requests
# sent at once check at most LOGIN_FAILURE_LIMIT passwords; a right password clears the count.
#
# `hit` and `hit_distinct` serve the other limits: the public talon check's rate
# (`talons.throttle`) and the different people a staff member looks up in the population
# register an hour (`service.services.intake`).


# One start of a new window in this many also deletes long-expired counters.
PURGE_ONE_IN = 200


def digest(*parts: str) -> str:
    """A short hash naming a counter, so that no user name, address or IIN is stored."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Hit:
    count: int
    expires_at: dt.datetime

    def retry_after(self) -> float:
        """Seconds until the window ends."""
        return max(0.0, (self.expires_at - timezone.now()).total_seconds())


def _locked(key: str, seconds: int) -> SecurityCounter:
    """The counter's row, locked for this transaction; a fresh window when it had expired."""
    now = timezone.now()
    row, created = SecurityCounter.objects.select_for_update().get_or_create(
        key=key, defaults={"count": 0, "expires_at": now + dt.timedelta(seconds=seconds)}
    )
    if not created and row.expires_at <= now:
        row.count, row.expires_at = 0, now + dt.timedelta(seconds=seconds)
    if created and secrets.randbelow(PURGE_ONE_IN) == 0:
        SecurityCounter.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return row


def hit(key: str, seconds: int, *, sliding: bool = False) -> Hit:
    """Count one event under `key` in a window of `seconds` and return the count so far.
    The window starts with the first event, or with `sliding` it lasts `seconds` after the
    last one."""
    with transaction.atomic():
        row = _locked(key, seconds)
        row.count += 1
        if sliding:
            row.expires_at = timezone.now() + dt.timedelta(seconds=seconds)
        row.save()
    return Hit(row.count, row.expires_at)


def unhit(key: str) -> None:
    """Take back one event counted under `key` (an attempt that turned out not to be a
    failure), in the same window."""
    rows = SecurityCounter.objects.filter(key=key, count__gt=0, expires_at__gt=timezone.now())
    rows.update(count=F("count") - 1)


def peek(key: str) -> int:
    """The count under `key` now (0 when there is none or its window is over)."""
    row = SecurityCounter.objects.filter(key=key, expires_at__gt=timezone.now()).first()
    return row.count if row is not None else 0


def hit_distinct(key: str, member: str, *, limit: int, seconds: int) -> bool:
    """Count `member` once under `key` for a window of `seconds`: True when it was counted
    already or there is room for it, False when `limit` different members are counted."""
    with transaction.atomic():
        row = _locked(key, seconds)
        member_key = f"{key}:{digest(member)}"
        known = SecurityCounter.objects.filter(key=member_key, expires_at__gt=timezone.now())
        if known.exists():
            row.save()
            return True
        if row.count >= limit:
            row.save()
            return False
        row.count += 1
        row.save()
        SecurityCounter.objects.update_or_create(
            key=member_key, defaults={"count": 1, "expires_at": row.expires_at}
        )
    return True


def clear(key: str) -> None:
    """Forget a counter."""
    SecurityCounter.objects.filter(key=key).delete()


# --- the login lockout -----------------------------------------------------------------------


def _username(credentials: dict[str, Any]) -> str:
    from django.contrib.auth import get_user_model

    field = get_user_model().USERNAME_FIELD
    return str(credentials.get(field) or credentials.get("username") or "")


def failure_key(username: str, address: str) -> str:
    """The counter of login attempts of this user name from this address."""
    return "login:" + digest(username.casefold(), address)


def _key(request: Any, username: str) -> str:
    address = client_ip(request) if request is not None else ""
    return failure_key(username, address)


def is_locked(request: Any, username: str) -> bool:
    """Whether this user name is locked out for this client now."""
    limit = int(settings.LOGIN_FAILURE_LIMIT)
    return limit > 0 and peek(_key(request, username)) >= limit


def take_attempt(request: Any, username: str) -> bool:
    """Count one login attempt before its password is checked; False when the limit is
    reached (the lockout lasts LOGIN_LOCKOUT_SECONDS after the last attempt)."""
    limit = int(settings.LOGIN_FAILURE_LIMIT)
    if limit <= 0:
        return True
    seconds = int(settings.LOGIN_LOCKOUT_SECONDS)
    count = hit(_key(request, username), seconds, sliding=True).count
    if count == limit + 1:
        log.warning("auth.locked_out", extra={"fields": {"seconds": seconds}})
    return count <= limit


def clear_failures(request: Any, username: str) -> None:
    """Forget the attempts after a successful login."""
    clear(_key(request, username))


class LockoutModelBackend(ModelBackend):
    """Django's user-and-password backend, counting each attempt before the password is
    checked and refusing once the limit is reached (so a locked guesser learns nothing)."""

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The user, or None; PermissionDenied (stop, fail) while locked out."""
        name = username if username is not None else _username(kwargs)
        if not take_attempt(request, name):
            raise PermissionDenied("locked out")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            clear_failures(request, name)
        return user
