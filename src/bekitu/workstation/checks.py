"""System checks of the workstation's settings (run by every `bekitu` command and when a
production server loads the application, as core's checks are)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from bekitu.service.telephone import identity_settings_problems


@register("bekitu")
def phone_identity_questions(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse identity questions for telephone callers that the desk cannot ask, or a number
    of answers to match that cannot be reached (or would let anyone through)."""
    problems = identity_settings_problems(
        list(settings.PHONE_IDENTITY_QUESTIONS), int(settings.PHONE_IDENTITY_REQUIRED)
    )
    return [
        Error(
            problem,
            hint="See BEKITU_PHONE_IDENTITY_QUESTIONS and BEKITU_PHONE_IDENTITY_REQUIRED in "
            "docs/settings.md.",
            id="bekitu.E101",
        )
        for problem in problems
    ]
