"""How often one client may check talons: the same limit for the page and the API.

Codes are 50 random bits, so guessing is hopeless anyway; the limit keeps a scanner from
turning the check (which verifies a signature and writes an audit row) into a load test.
The client is the connection's address, or the one the trusted proxies report
(`bekitu.core.security.client_ip`): an X-Forwarded-For the client writes itself does not
give it a fresh allowance, and a logged-in user is counted like anyone else. The count is a
database row (`bekitu.core.security.hit`): atomic, shared by every process, never evicted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from bekitu.core.security import Hit, client_ip, digest, hit


class TalonVerifyThrottle(SimpleRateThrottle):
    """Checks per client address, at the rate of TALON_VERIFY_RATE (e.g. "120/min")."""

    scope = "talon_verify"

    def get_rate(self) -> str | None:
        """The configured rate; an empty setting switches the limit off."""
        return settings.TALON_VERIFY_RATE or None

    def get_cache_key(self, request: Any, view: Any) -> str:
        """One counter per client address, whether or not someone is logged in."""
        return f"throttle:{self.scope}:{digest(client_ip(request))}"

    def allow_request(self, request: Any, view: Any) -> bool:
        """Count this check in the current window; False past the rate."""
        self.last: Hit | None = None
        if self.rate is None:
            return True
        allowed, seconds = self.parse_rate(self.rate)
        self.last = hit(self.get_cache_key(request, view), int(seconds or 1))
        return self.last.count <= int(allowed or 0)

    def wait(self) -> float | None:
        """Seconds until the client may check again."""
        last = getattr(self, "last", None)
        return last.retry_after() if last is not None else None


def verification_allowed(request: Any) -> bool:
    """Whether this client may check one more talon now (counts the check)."""
    # The throttle reads only the client address from the request and ignores the view.
    return TalonVerifyThrottle().allow_request(request, None)
