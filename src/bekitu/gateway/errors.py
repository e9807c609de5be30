"""The gateway's errors: what a caller of `services` may catch, each with a stable code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError


class GatewayError(DomainError):
    """The gateway cannot carry the message."""

    code = "gateway_error"


class UnknownParticipant(GatewayError):
    """The sender or the route is not a registered, active participant (or not served here)."""

    code = "gateway_unknown_participant"


class GatewayTimeout(GatewayError):
    """A synchronous query got no answer in time."""

    code = "gateway_timeout"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(
            message
            or _("The receiving system did not answer in time. Please try again in a few minutes."),
            code=code,
        )


class GatewayRefused(GatewayError):
    """The receiver answered a synchronous query with an error status (`status_code`)."""

    code = "gateway_refused"

    def __init__(self, *, status_code: str, detail: str) -> None:
        super().__init__(
            _("The receiving system could not answer the query (%(code)s).") % {"code": status_code}
        )
        self.status_code = status_code
        self.detail = detail


class RetryLater(Exception):
    """Raised by a handler that cannot process a message yet (what it needs has not arrived):
    the message is retried after the back-off, and parked after the last attempt."""


class GatewayUnavailable(GatewayError):
    """The transport cannot be reached (the broker is down): nothing was sent."""

    code = "gateway_unavailable"
