"""The reason codes a signature is refused with, and the exception the checks raise.

The codes are stable (API, audit, the citizen's message); each check raises `Refused` with
one of them, and `bekitu.eds.verification` turns it into a result. Order matters: the first
failing check, in the order of REASONS, names the refusal.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


# What a person is told, per reason (R9.7: the EDS could not be confirmed, and why).
REASON_MESSAGES: dict[str, Promise] = {
    "malformed": _("The signed document cannot be read. Sign it again with NCALayer."),
    "unsupported_algorithm": _(
        "The signature uses an algorithm this service cannot check. Sign with an RSA key."
    ),
    "bad_signature": _("The signature does not match the document. Sign it again."),
    "untrusted_chain": _(
        "The certificate was not issued by the National Certification Authority of Kazakhstan."
    ),
    "not_yet_valid": _("The certificate is not valid yet."),
    "expired": _("The certificate has expired. Renew it at the National Certification Authority."),
    "revoked": _("The certificate has been revoked."),
    "revocation_unknown": _(
        "The certificate's status cannot be checked right now. Please try again later."
    ),
    "wrong_key_usage": _(
        "This key is for authentication only. Sign with your signing key (RSA), not AUTH."
    ),
    "not_individual": _("Sign with your personal key, not an organization's."),
    "not_organization": _("The document must be signed with the organization's key."),
    "iin_mismatch": _("The certificate belongs to another person than the request names."),
    "bin_mismatch": _("The document was signed by another organization."),
}


class Refused(Exception):
    """A check failed: `reason` is one of REASONS, `detail` says why (no document content)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
