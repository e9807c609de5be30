"""Logins while they last: the API's bearer tokens and the pages' sessions.

A token is issued at login (`POST auth/login`), revoked at logout (`POST auth/logout`) or
when the account is locked, and gone when it expires; only its SHA-256 is stored.

Condition 1 (R9.3) is checked at login, but a login lasts hours (BEKITU_PORTAL_TOKEN_HOURS,
the session's age): the person may die, or the account be locked, meanwhile. So it is
checked again once BEKITU_PORTAL_RECHECK_SECONDS have passed since it last held, per token
(`ApiToken.checked_at`) and per session: one read of the population register per login in
that time, not one per request, also when several requests come at once with one token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bekitu.portal.accounts import account_active, account_audit
from bekitu.portal.errors import PortalError
from bekitu.portal.models import Account, ApiToken

# When condition 1 last held for a page session's person (seconds since the epoch).
SESSION_CHECKED = "portal.condition_checked_at"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(account: Account) -> str:
    """A new bearer token for the API (condition 1 has just been checked at login); only
    its digest is stored."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(
        account=account,
        key_hash=_digest(raw),
        created_at=now,
        expires_at=now + timedelta(hours=settings.PORTAL_TOKEN_HOURS),
        checked_at=now,
    )
    return raw


def token_get(raw: str) -> ApiToken | None:
    """The valid, unexpired token (with its account and user) of an active account, or None.
    Condition 1 is checked again when it is due (`condition_recheck`'s refusals)."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("account__user")
        .filter(key_hash=_digest(raw), expires_at__gt=now)
        .first()
    )
    if token is None or not token.account.user.is_active:
        return None
    if _due(token.checked_at, now) and not _token_recheck(token, now):
        return None
    return token


def _token_recheck(token: ApiToken, now: datetime) -> bool:
    """Condition 1 again for a token, by one request only: it claims the token first (its
    `checked_at` moved from the value read to now, which only one request can do), so two
    requests at once read the register once. The one that loses the claim goes on without
    a check (another's is under way or done, as any request within the period), unless the
    token is gone (revoked meanwhile): False. When the register cannot answer, the claim is
    given back, ending nothing, and `population_unavailable` refuses this request."""
    before = token.checked_at
    claimed = ApiToken.objects.filter(pk=token.pk, checked_at=before).update(checked_at=now)
    if not claimed:
        return ApiToken.objects.filter(pk=token.pk).exists()
    try:
        condition_recheck(token.account, way="token")
    except Exception:
        # Not confirmed (a login ended has no token left to give back to): the next request
        # checks again rather than pass unconfirmed.
        ApiToken.objects.filter(pk=token.pk, checked_at=now).update(checked_at=before)
        raise
    token.checked_at = now
    return True


def token_revoke(*, token: ApiToken) -> None:
    """Log out of the API: this token stops working at once (the account's others stand).
    Audited as `portal.logout`."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).delete()
        account_audit("portal.logout", token.account.iin, way="token")


def token_seconds() -> int:
    """How long a new token is valid, in seconds."""
    return int(settings.PORTAL_TOKEN_HOURS) * 3600


def session_checked(session: Any) -> None:
    """Note in a page session that condition 1 has just held (at login)."""
    session[SESSION_CHECKED] = int(timezone.now().timestamp())


def session_recheck(session: Any, account: Account) -> None:
    """Condition 1 again for a page session's person when it is due (`condition_recheck`'s
    refusals); the caller logs the session out on `session_ended`."""
    now = timezone.now()
    last = session.get(SESSION_CHECKED)
    checked = datetime.fromtimestamp(last, tz=now.tzinfo) if isinstance(last, int) else None
    if _due(checked, now):
        condition_recheck(account, way="session")
        session[SESSION_CHECKED] = int(now.timestamp())


def _due(checked_at: datetime | None, now: datetime) -> bool:
    if checked_at is None:
        return True
    return now - checked_at >= timedelta(seconds=settings.PORTAL_RECHECK_SECONDS)


def condition_recheck(account: Account, *, way: str) -> None:
    """Condition 1 (R9.3) for a login in use. When it no longer holds, the account's tokens
    are revoked, the reason audited (`portal.session.ended`) and the login refused with
    `session_ended`, which does not say why: whoever holds a token need not be the person.
    When the population register cannot be read, `population_unavailable` (`person_alive`):
    nothing passes unconfirmed (fails closed), and the login stands for when it answers again."""
    try:
        account_active(account)
    except PortalError as refused:
        if refused.code == "population_unavailable":
            raise
        with transaction.atomic():
            revoked = ApiToken.objects.filter(account=account).delete()[0]
            account_audit(
                "portal.session.ended",
                account.iin,
                code=refused.code,
                way=way,
                tokens_revoked=revoked,
            )
        raise PortalError("session_ended") from None
