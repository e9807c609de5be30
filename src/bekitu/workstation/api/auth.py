"""HTTP Basic authentication for integrators that never makes a browser ask for a password.

An unauthenticated call is answered 401 with a challenge. To a program (curl, a client
library) the challenge is `Basic`, and it sends its credentials. A browser would answer a
`Basic` challenge with its own password dialog, over Swagger UI or a page that called the
API with the session, so to a browser (a request carrying the Fetch Metadata headers every
current browser sends) the challenge names the session instead: log in to the workstation.
"""

from __future__ import annotations

from drf_spectacular import authentication as spectacular_auth
from rest_framework import authentication
from rest_framework.request import Request

SESSION_CHALLENGE = 'Session realm="api", login="/workstation/login/"'


def from_browser(request: Request) -> bool:
    """True when a browser made the request (it sends Sec-Fetch-Mode; programs do not)."""
    return bool(request.META.get("HTTP_SEC_FETCH_MODE"))


class BasicAuthentication(authentication.BasicAuthentication):
    """Basic authentication whose 401 challenges a browser to use its session instead."""

    def authenticate_header(self, request: Request) -> str:
        if from_browser(request):
            return SESSION_CHALLENGE
        return str(super().authenticate_header(request))


class BasicScheme(spectacular_auth.BasicScheme):
    """The schema describes it as HTTP Basic (security scheme "basicAuth"), as DRF's own."""

    target_class = "bekitu.workstation.api.auth.BasicAuthentication"
