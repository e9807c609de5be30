"""Login lockout and the service's other security limits, counted in the database.

After LOGIN_FAILURE_LIMIT failed logins of one user name from one address, that pair is
refused for LOGIN_LOCKOUT_SECONDS, whatever the password. It sits in the authentication
backend, so it covers every way in that asks for a password: the workstation's login page,
the admin's, and the API's Basic authentication. Keyed by user name *and* address, a guesser
from one address is stopped without letting anyone lock a specialist out from elsewhere; the
user name is hashed, never stored or logged.

The counters are rows of `SecurityCounter`, changed under a row lock (`select_for_update`;
SQLite's IMMEDIATE transactions serialise writers), so they are atomic and the same for every
process, and no flood of other keys evicts them (a local-memory cache of 300 entries did).
An attempt takes its place in the count *before* its password is checked, so thirty requests
sent at once check at most LOGIN_FAILURE_LIMIT passwords; a right password clears the count.

`hit` and `hit_distinct` serve the other limits: the public talon check's rate
(`talons.throttle`) and the different people a staff member looks up in the population
register an hour (`service.services.intake`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bekitu.core.models import SecurityCounter
from bekitu.core.security import client_ip

log = logging.getLogger("bekitu.core")

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
