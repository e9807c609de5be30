"""The portal's refusals: a stable code and a message in the citizen's language (R9.4, R9.7)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.eds.refusal import REASON_MESSAGES

# Condition 1 (R9.3) and its refusal (R9.4), and the other steps of registration and login.
MESSAGES: dict[str, Promise] = {
    "invalid_iin": _("The IIN must be 12 digits with a correct check digit."),
    "not_registered": _("No account is registered for this IIN. Register first."),
    "wrong_credentials": _("The IIN or the password is wrong."),
    "locked": _("Too many failed attempts. Try again later."),
    "person_not_found": _("The population register does not know this IIN."),
    "deceased": _("The population register records this person as deceased."),
    "account_disabled": _("This account is disabled."),
    "already_registered": _("An account for this IIN already exists. Log in instead."),
    # A staff login of the service is named by this IIN, or records it (decision 0018).
    "login_taken": _(
        "This IIN is already used by a staff login of the service, so a portal account cannot "
        "be made for it. Please contact the support service to have that login changed."
    ),
    "challenge_invalid": _("The confirmation has expired or was already used. Please start again."),
    "wrong_code": _("The code is wrong. Check the SMS and enter it again."),
    "no_phone": _(
        "The population register holds no phone number for this person. "
        "Register with your EDS instead."
    ),
    "too_many_codes": _(
        "Too many codes were sent for this IIN. Try again in an hour, or register with your EDS."
    ),
    # Past a per-address limit (failed logins, codes asked for, whatever the IIN: credential
    # stuffing, SMS to many phones), a proof of work lets the attempt through (decision 0020).
    "challenge_required": _(
        "Many attempts came from your network's address in the last hour, so your browser is "
        "asked to do a short check first. It runs by itself: please wait a moment."
    ),
    "challenge_invalid_proof": _(
        "The browser check did not succeed or has expired. A new one is given: please wait a "
        "moment."
    ),
    # Too many other persons named by one account in an hour (probing the register).
    "too_many_lookups": _(
        "You have named as many other persons as the portal allows in one hour. Try again "
        "later, or apply at the provider's desk."
    ),
    "sms_unavailable": _(
        "The code could not be sent: the SMS service does not answer. Please try again later, "
        "or register with your EDS."
    ),
    "passwords_differ": _("The two passwords differ."),
    "eds_not_confirmed": _("The EDS could not be confirmed."),
    "not_authenticated": _("Log in first."),
    "provider_unavailable": _(
        "The providers' system did not answer in time. Please try again in a few minutes."
    ),
    "provider_not_connected": _(
        "This provider's system is not connected to the portal now, so your request was not "
        "sent. Your signed request is kept: try again later, choose another provider, or apply "
        "at the provider's desk."
    ),
    "register_unavailable": _(
        "The register of attached population did not answer in time, so your attachment "
        "cannot be shown now. Please try again in a few minutes."
    ),
    "invalid": _("The request has errors. Check the fields marked."),
    "not_found": _("No such request."),
    "draft_expired": _(
        "The request prepared for signing has expired: the rules, the providers or your "
        "documents may have changed since. Fill in a new request."
    ),
    "not_a_dependant": _(
        "The population register does not record this person as your child under 18 or your ward."
    ),
    "request_altered": _(
        "The signed request differs from the one prepared for signing. Sign it again without "
        "changing it."
    ),
    "signer_mismatch": _("The request must be signed by the person who is logged in."),
    # A login in use that condition 1 no longer allows (R9.3); it does not say why.
    "session_ended": _("Your session has ended. Please log in again."),
    "population_unavailable": _(
        "The population register cannot be reached now, so this cannot be confirmed. "
        "Please try again in a few minutes."
    ),
}


class PortalError(DomainError):
    """A refusal of the portal; `code` is one of MESSAGES."""

    code = "portal_error"

    def __init__(self, code: str, message: str | Promise | None = None) -> None:
        super().__init__(message if message is not None else MESSAGES[code], code=code)


class EdsNotConfirmed(PortalError):
    """The EDS was not confirmed (R9.7); `reason` is eds's reason code, the message says it."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "eds_not_confirmed", REASON_MESSAGES.get(reason, MESSAGES["eds_not_confirmed"])
        )
        self.reason = reason


class ChallengeRequired(PortalError):
    """Past a per-address limit: the attempt needs a proof of work (`challenge_required`), or
    the one sent was not good (`challenge_invalid_proof`); `challenge` is a fresh puzzle as
    the API gives it (`address_limits.puzzle_fields`)."""

    def __init__(self, code: str, challenge: dict[str, Any]) -> None:
        super().__init__(code)
        self.challenge = challenge


class DraftInvalid(PortalError):
    """The form's data cannot make a request: the messages by field."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("invalid")
        self.fields = fields
