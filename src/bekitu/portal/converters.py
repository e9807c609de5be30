"""The request number in the portal's addresses: P-YYYYMMDD-NNNNNN for a portal request,
A-YYYY-NNNNNN for an application taken at the provider. Anything else (a NUL byte the
database refuses, a path of another shape) is no address of the portal's: 404, not a query."""

from __future__ import annotations

from django.urls import register_converter


class RequestNumber:
    regex = "[A-Za-z0-9-]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RequestNumber, "request_number")
