"""How often one client may check talons: the same limit for the page and the API.

Codes are 50 random bits, so guessing is hopeless anyway; the limit keeps a scanner from
turning the check (which verifies a signature and writes an audit row) into a load test.
The client is the connection's address, or the one the trusted proxies report
(`bekitu.core.security.client_ip`): an X-Forwarded-For the client writes itself does not
give it a fresh allowance, and a logged-in user is counted like anyone else.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from bekitu.core.security import client_ip


class TalonVerifyThrottle(SimpleRateThrottle):
    """Checks per client address, at the rate of TALON_VERIFY_RATE (e.g. "120/min")."""

    scope = "talon_verify"

    def get_rate(self) -> str | None:
        """The configured rate; an empty setting switches the limit off."""
        return settings.TALON_VERIFY_RATE or None

    def get_cache_key(self, request: Any, view: Any) -> str:
        """One counter per client address, whether or not someone is logged in."""
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


def verification_allowed(request: Any) -> bool:
    """Whether this client may check one more talon now (counts the check)."""
    # The throttle reads only the client address from the request and ignores the view.
    return TalonVerifyThrottle().allow_request(request, None)  # type: ignore[arg-type]
