"""Domain errors. A service raises one of these instead of writing half a change."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the service forbids the change. `code` is stable; `message` is for people."""

    code = "domain_error"

    def __init__(self, message: str | Promise = "", *, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"
