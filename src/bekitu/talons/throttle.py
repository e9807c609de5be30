"""How often one client may check talons: the same limit for the page and the API.

Codes are 50 random bits, so guessing is hopeless anyway; the limit keeps a scanner from
turning the check (which verifies a signature and writes an audit row) into a load test.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class TalonVerifyThrottle(AnonRateThrottle):
    """Checks per client address, at the rate of TALON_VERIFY_RATE (e.g. "120/min")."""

    scope = "talon_verify"

    def get_rate(self) -> str | None:
        """The configured rate; an empty setting switches the limit off."""
        return settings.TALON_VERIFY_RATE or None


def verification_allowed(request: Any) -> bool:
    """Whether this client may check one more talon now (counts the check)."""
    # DRF's throttles read only the client address from the request and ignore the view.
    return TalonVerifyThrottle().allow_request(request, None)  # type: ignore[arg-type]
