"""The API's bearer tokens: issued at login (`POST auth/login`), revoked at logout
(`POST auth/logout`) or when the account is locked, and gone when they expire. Only a
token's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bekitu.portal.accounts import account_audit
from bekitu.portal.models import Account, ApiToken


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(account: Account) -> str:
    """A new bearer token for the API; only its digest is stored."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(
        account=account,
        key_hash=_digest(raw),
        created_at=now,
        expires_at=now + timedelta(hours=settings.PORTAL_TOKEN_HOURS),
    )
    return raw


def token_get(raw: str) -> ApiToken | None:
    """The valid, unexpired token (with its account and user) of an active account, or None."""
    token = (
        ApiToken.objects.select_related("account__user")
        .filter(key_hash=_digest(raw), expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.account.user.is_active:
        return None
    return token


def token_revoke(*, token: ApiToken) -> None:
    """Log out of the API: this token stops working at once (the account's others stand).
    Audited as `portal.logout`."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).delete()
        account_audit("portal.logout", token.account.iin, way="token")


def token_seconds() -> int:
    """How long a new token is valid, in seconds."""
    return int(settings.PORTAL_TOKEN_HOURS) * 3600
