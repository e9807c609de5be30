"""The provider's word on a citizen's request (R9.9-R9.12), serviceId
`bekitu.attachment.status`: provider -> portal, route = the portal's system id, correlation
id = the portal's request number. One message per change of status, or per changes made
together (a request registered and checked on receipt): then the message's status is the last
and `earlier` gives the ones before it, oldest first, each with its time:

- `registered` (R9.9): the provider's application number and the deadline;
- `checked` (R9.10): condition 3 passed, a decision follows within the term;
- `talon_pending` (R3.1, since version 2): the talon is issued, with this number, while the
  provider's signing key is unavailable; no parts (an unsigned e-document is not the citizen's
  talon): `talon_issued` with them follows once the provider has signed it;
- `refused` (R9.11): the reason code, its legal ground and the text, in kk, ru and en;
- `talon_issued` (R9.12): the talon's number and check address, with the parts `talon.xml`
  (the e-talon signed by the provider) and `talon.pdf`.

A talon issued on an application taken at the provider's desk or by telephone goes to the
portal as `talon_issued` too, with its channel, the recipient's IIN and the provider's name;
its number (and correlation id) is the provider's application number: the portal files it in
the recipient's cabinet when they have an account there.

The portal itself records submitted, sent, delivered and eds_refused.

Schema: `schemas/attachment-status-2.xsd`, which the provider builds. Version 1 enumerated
the statuses without `talon_pending`, so its readers would refuse it: a new version (the
`version` attribute; the documents have no namespace), and a status of version 1 is still read
(`schemas/attachment-status-1.xsd`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from bekitu.gateway.contracts._xml import (
    ContractInvalid,
    document,
    moment,
    parse,
    serialise,
    sub,
    text,
    zoned,
)

SERVICE_ID = "bekitu.attachment.status"
VERSION = "2"
SCHEMA = "attachment-status-2.xsd"
# Each version the portal reads, by the document's `version` attribute.
SCHEMAS = {"2": SCHEMA, "1": "attachment-status-1.xsd"}
PART_STATUS = "status.xml"
PART_TALON_XML = "talon.xml"
PART_TALON_PDF = "talon.pdf"
STATUSES = ("registered", "checked", "talon_pending", "talon_issued", "refused")
# The statuses that carry the talon's number: issued, or issued awaiting its e-signature.
TALON_STATUSES = ("talon_pending", "talon_issued")
# The statuses that can come before another in one message.
EARLIER = ("registered", "checked")
# The channels of an application the portal did not send (a desk or telephone talon).
PROVIDER_CHANNELS = ("desk", "phone")
LANGUAGES = ("kk", "ru", "en")

__all__ = [
    "PART_STATUS",
    "PART_TALON_PDF",
    "PART_TALON_XML",
    "PROVIDER_CHANNELS",
    "SERVICE_ID",
    "STATUSES",
    "TALON_STATUSES",
    "VERSION",
    "AttachmentStatus",
    "ContractInvalid",
    "Refusal",
    "Step",
    "build_status",
    "parse_status",
]


@dataclass(frozen=True)
class Refusal:
    """Why the request was refused: a code, its legal ground and the text, per language."""

    reason_code: str
    legal_ground: dict[str, str]
    message: dict[str, str]


@dataclass(frozen=True)
class Step:
    """A status and when the application reached it."""

    status: str
    at: dt.datetime


@dataclass(frozen=True)
class AttachmentStatus:
    number: str
    status: str
    at: dt.datetime
    registration_number: str = ""
    deadline: dt.datetime | None = None
    refusal: Refusal | None = None
    talon_number: str = ""
    verify_url: str = ""
    earlier: tuple[Step, ...] = ()  # reached before `status` and told in the same message

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every status the message tells of, oldest first: the earlier ones, then its own."""
        return (*self.earlier, Step(self.status, self.at))

    # A desk or telephone application's talon (no portal request): its channel, whom it
    # attaches, and the provider's name as the cabinet shows it.
    channel: str = ""
    recipient_iin: str = ""
    provider_name: str = ""


def _languages(parent: etree._Element, tag: str, values: dict[str, str]) -> None:
    element = sub(parent, tag)
    for language in LANGUAGES:
        sub(element, language, values.get(language, ""))


def build_status(status: AttachmentStatus) -> bytes:
    """The status document, validated against its schema (ContractInvalid otherwise)."""
    if status.status not in STATUSES:
        raise ContractInvalid(f"unknown status {status.status!r}")
    if (status.status == "refused") != (status.refusal is not None):
        raise ContractInvalid("a refusal goes with the status refused, and only with it")
    if (status.status in TALON_STATUSES) != bool(status.talon_number):
        raise ContractInvalid(
            "a talon number goes with talon_issued or talon_pending, and only with them"
        )
    if status.status == "talon_pending" and status.verify_url:
        raise ContractInvalid("a talon pending its e-signature is checked once signed")
    if status.channel and (
        status.channel not in PROVIDER_CHANNELS
        or status.status != "talon_issued"
        or not status.recipient_iin
    ):
        raise ContractInvalid(
            "a channel goes only with a desk or telephone talon_issued, with the recipient's IIN"
        )
    root = etree.Element("AttachmentStatus", version=VERSION)
    sub(root, "number", status.number)
    sub(root, "status", status.status)
    sub(root, "at", zoned(status.at))
    sub(root, "registrationNumber", status.registration_number)
    if status.deadline is not None:
        sub(root, "deadline", zoned(status.deadline))
    if status.refusal is not None:
        refusal = sub(root, "refusal")
        sub(refusal, "reasonCode", status.refusal.reason_code)
        _languages(refusal, "legalGround", status.refusal.legal_ground)
        _languages(refusal, "message", status.refusal.message)
    if status.talon_number:
        talon = sub(root, "talon")
        sub(talon, "talonNumber", status.talon_number)
        if status.status == "talon_issued":
            sub(talon, "verifyUrl", status.verify_url)
    if status.earlier:
        order = [step.status for step in status.steps]
        if len(set(order)) != len(order) or [s for s in STATUSES if s in order] != order:
            raise ContractInvalid("the earlier statuses come before the status, each once")
        earlier = sub(root, "earlier")
        for step in status.earlier:
            element = sub(earlier, "step")
            sub(element, "status", step.status)
            sub(element, "at", zoned(step.at))
    if status.channel:
        sub(root, "channel", status.channel)
        sub(root, "recipientIin", status.recipient_iin)
        sub(root, "providerName", status.provider_name)
    return serialise(root, SCHEMA)


def _read_languages(parent: etree._Element, tag: str) -> dict[str, str]:
    return {language: text(parent, f"{tag}/{language}") for language in LANGUAGES}


def parse_status(data: bytes) -> AttachmentStatus:
    """The status from its bytes, of version 2 or 1 (validated against that version's schema;
    ContractInvalid otherwise)."""
    root = document(data)
    schema = SCHEMAS.get(root.get("version", ""))
    if schema is None:
        raise ContractInvalid(f"not a status of a known version: {root.get('version')!r}")
    parse(root, schema)
    at = moment(root, "at")
    assert at is not None  # the schema requires it
    refusal_element = root.find("refusal")
    refusal = (
        Refusal(
            reason_code=text(refusal_element, "reasonCode"),
            legal_ground=_read_languages(refusal_element, "legalGround"),
            message=_read_languages(refusal_element, "message"),
        )
        if refusal_element is not None
        else None
    )
    earlier = []
    for element in root.iterfind("earlier/step"):
        step_at = moment(element, "at")
        assert step_at is not None  # the schema requires it
        earlier.append(Step(text(element, "status"), step_at))
    return AttachmentStatus(
        number=text(root, "number"),
        status=text(root, "status"),
        at=at,
        registration_number=text(root, "registrationNumber"),
        deadline=moment(root, "deadline"),
        refusal=refusal,
        talon_number=text(root, "talon/talonNumber"),
        verify_url=text(root, "talon/verifyUrl"),
        earlier=tuple(earlier),
        channel=text(root, "channel"),
        recipient_iin=text(root, "recipientIin"),
        provider_name=text(root, "providerName"),
    )
