"""System checks of the deployment (run by every `bekitu` command, and by the WSGI
application when a production server loads it: bekitu.wsgi).

Debug mode shows tracebacks with local variables (a person's data among them) and uses the
development secret key; it is the default so that a fresh machine works. Served under a real
host name it is almost certainly a production left in debug mode: the site refuses to start.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "testserver", "[::1]", "::1"})


@register("security")
def debug_on_a_public_host(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse debug mode when the site answers to a host name that is not local."""
    public = sorted(set(settings.ALLOWED_HOSTS) - LOCAL_HOSTS)
    if not settings.DEBUG or not public:
        return []
    return [
        Error(
            f"BEKITU_DEBUG is true while the site answers to {', '.join(public)}.",
            hint="Set BEKITU_DEBUG=false and BEKITU_SECRET_KEY in production, or serve "
            "debug mode on 127.0.0.1 only (docs/operations.md).",
            id="bekitu.E001",
        )
    ]


@register("security")
def local_http_on_a_public_host(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse plain-HTTP serving (BEKITU_LOCAL_HTTP) under a host name that is not local."""
    public = sorted(set(settings.ALLOWED_HOSTS) - LOCAL_HOSTS)
    if not getattr(settings, "LOCAL_HTTP", False) or not public:
        return []
    return [
        Error(
            f"BEKITU_LOCAL_HTTP is true while the site answers to {', '.join(public)}.",
            hint="Plain HTTP is for serving on this machine (make run); behind TLS leave it "
            "false (docs/operations.md).",
            id="bekitu.E002",
        )
    ]
