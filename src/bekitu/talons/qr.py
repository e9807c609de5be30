"""The address a talon's (or a refusal's) QR code leads to: its public verification page.

The QR symbol itself is drawn by the printed document (`bekitu.talons.pdf`).
"""

from __future__ import annotations

from django.conf import settings


def verification_url(code: str) -> str:
    """The public address that checks the talon with this verification code."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{code}"
