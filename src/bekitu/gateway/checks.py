"""System checks of the gateway's settings (run by every `bekitu` command and when a
production server loads the application)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from bekitu.gateway.retention import retention_problems


@register("bekitu")
def gateway_retention(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse a retention that would delete a message a late copy of which may still come."""
    return [
        Error(
            problem,
            hint="See BEKITU_GATEWAY_RETENTION_DAYS in docs/settings.md.",
            id="bekitu.E201",
        )
        for problem in retention_problems(int(settings.GATEWAY_RETENTION_DAYS))
    ]
