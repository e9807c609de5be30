"""The reason codes a signature is refused with, and the exception the checks raise.

The codes are stable (API, audit, the citizen's message); each check raises `Refused` with
one of them, and `bekitu.eds.verification` turns it into a result. Order matters: the first
failing check, in the order of REASONS, names the refusal.
"""

from __future__ import annotations

REASONS = (
    "malformed",
    "unsupported_algorithm",
    "bad_signature",
    "untrusted_chain",
    "not_yet_valid",
    "expired",
    "revoked",
    "revocation_unknown",
    "wrong_key_usage",
    "not_individual",
    "not_organization",
    "iin_mismatch",
    "bin_mismatch",
)


class Refused(Exception):
    """A check failed: `reason` is one of REASONS, `detail` says why (no document content)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
