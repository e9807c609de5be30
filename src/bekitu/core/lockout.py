"""Login lockout: after LOGIN_FAILURE_LIMIT failed logins of one user name from one address,
that pair is refused for LOGIN_LOCKOUT_SECONDS, whatever the password.

It sits in the authentication backend, so it covers every way in that asks for a password:
the workstation's login page, the admin's, and the API's Basic authentication. The counters
live in the cache (BEKITU_CACHE_URL): shared by every process when the cache is. Keyed by
user name *and* address, a guesser from one address is stopped without letting anyone lock
a specialist out from elsewhere; the user name is hashed, never stored or logged.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from bekitu.core.security import client_ip

log = logging.getLogger("bekitu.core")

_PREFIX = "bekitu:login-failures:"


def _username(credentials: dict[str, Any]) -> str:
    from django.contrib.auth import get_user_model

    field = get_user_model().USERNAME_FIELD
    return str(credentials.get(field) or credentials.get("username") or "")


def failure_key(username: str, address: str) -> str:
    """The cache key counting failures of this user name from this address."""
    digest = hashlib.sha256(f"{username.casefold()}\n{address}".encode()).hexdigest()
    return _PREFIX + digest


def _key(request: Any, username: str) -> str:
    address = client_ip(request) if request is not None else ""
    return failure_key(username, address)


def is_locked(request: Any, username: str) -> bool:
    """Whether this user name is locked out for this client now."""
    limit = int(settings.LOGIN_FAILURE_LIMIT)
    return limit > 0 and int(cache.get(_key(request, username), 0)) >= limit


def record_failure(request: Any, username: str) -> int:
    """Count one failed login; the lockout lasts LOGIN_LOCKOUT_SECONDS after the last one."""
    key = _key(request, username)
    timeout = int(settings.LOGIN_LOCKOUT_SECONDS)
    count = int(cache.get(key, 0)) + 1
    cache.set(key, count, timeout)
    if count == int(settings.LOGIN_FAILURE_LIMIT):
        log.warning("auth.locked_out", extra={"fields": {"seconds": timeout}})
    return count


def clear_failures(request: Any, username: str) -> None:
    """Forget the failures after a successful login."""
    cache.delete(_key(request, username))


class LockoutModelBackend(ModelBackend):
    """Django's user-and-password backend, refusing a locked-out user name and address
    before the password is even checked (so a locked guesser learns nothing)."""

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The user, or None; PermissionDenied (stop, fail) while locked out."""
        name = username if username is not None else _username(kwargs)
        if is_locked(request, name):
            raise PermissionDenied("locked out")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            clear_failures(request, name)
        return user


@receiver(user_login_failed, dispatch_uid="bekitu.core.lockout")
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    record_failure(request, _username(credentials))
