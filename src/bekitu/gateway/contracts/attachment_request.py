"""The citizen's request for attachment (R9.5-R9.8), serviceId `bekitu.attachment.request`:
portal -> provider, route = the provider's BIN, correlation id = the portal's request number.

Parts: `request.xml` (this document, signed whole by the citizen's EDS) and `copy-<code>`
(each e-copy's bytes; the request carries their SHA-256, so the signature covers them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from bekitu.gateway.contracts._xml import (
    ContractInvalid,
    day,
    moment,
    parse,
    serialise,
    sub,
    text,
    zoned,
)

SERVICE_ID = "bekitu.attachment.request"
SCHEMA = "attachment-request-1.xsd"
PART_REQUEST = "request.xml"

__all__ = [
    "PART_REQUEST",
    "SERVICE_ID",
    "AttachmentRequest",
    "Basis",
    "Contacts",
    "ContractInvalid",
    "Document",
    "PowerOfAttorney",
    "build_request",
    "copy_part_name",
    "parse_request",
]


@dataclass(frozen=True)
class PowerOfAttorney:
    number: str
    issued_on: dt.date
    issued_by: str
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class Basis:
    """Why this provider: residence, work, study or actual residence, and the address."""

    kind: str
    address: str


@dataclass(frozen=True)
class Contacts:
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Document:
    """An e-copy: its checklist code, file name, SHA-256 (hex) and size."""

    code: str
    filename: str
    sha256: str
    size: int


@dataclass(frozen=True)
class AttachmentRequest:
    number: str
    submitted_at: dt.datetime
    nonce: str
    account_iin: str
    recipient_iin: str
    provider_bin: str
    reason: str
    applicant_role: str = "self"
    applicant_iin: str = ""
    power_of_attorney: PowerOfAttorney | None = None
    district_number: str = ""
    basis: Basis | None = None
    contacts: Contacts = field(default_factory=Contacts)
    documents: tuple[Document, ...] = ()
    language: str = "ru"


def copy_part_name(code: str) -> str:
    """The gateway part that carries the e-copy of the document `code`."""
    return f"copy-{code}"


def build_request(request: AttachmentRequest) -> bytes:
    """The unsigned request document, validated against its schema."""
    root = etree.Element("AttachmentRequest", version="1")
    sub(root, "number", request.number)
    sub(root, "submittedAt", zoned(request.submitted_at))
    sub(root, "nonce", request.nonce)
    sub(root, "accountIin", request.account_iin)
    sub(root, "recipientIin", request.recipient_iin)
    sub(root, "applicantRole", request.applicant_role)
    sub(root, "applicantIin", request.applicant_iin)
    poa = request.power_of_attorney
    if poa is not None:
        element = sub(root, "powerOfAttorney")
        sub(element, "number", poa.number)
        sub(element, "issuedOn", poa.issued_on.isoformat())
        if poa.valid_until is not None:
            sub(element, "validUntil", poa.valid_until.isoformat())
        sub(element, "issuedBy", poa.issued_by)
    sub(root, "providerBin", request.provider_bin)
    if request.district_number:
        sub(root, "districtNumber", request.district_number)
    sub(root, "reason", request.reason)
    if request.basis is not None:
        basis = sub(root, "basis")
        sub(basis, "kind", request.basis.kind)
        sub(basis, "address", request.basis.address)
    contacts = sub(root, "contacts")
    sub(contacts, "phone", request.contacts.phone)
    sub(contacts, "email", request.contacts.email)
    documents = sub(root, "documents")
    for document in request.documents:
        element = sub(documents, "document")
        sub(element, "code", document.code)
        sub(element, "filename", document.filename)
        sub(element, "sha256", document.sha256)
        sub(element, "size", str(document.size))
    sub(root, "language", request.language)
    return serialise(root, SCHEMA)


def parse_request(data: bytes | etree._Element) -> AttachmentRequest:
    """The request from its bytes, or from the root a signature verification returned
    (the provider reads only the verified signed root). ContractInvalid otherwise."""
    root = parse(data, SCHEMA)
    poa_element = root.find("powerOfAttorney")
    poa = None
    if poa_element is not None:
        issued_on = day(poa_element, "issuedOn")
        assert issued_on is not None  # the schema requires it
        poa = PowerOfAttorney(
            number=text(poa_element, "number"),
            issued_on=issued_on,
            issued_by=text(poa_element, "issuedBy"),
            valid_until=day(poa_element, "validUntil"),
        )
    basis_element = root.find("basis")
    basis = (
        Basis(text(basis_element, "kind"), text(basis_element, "address"))
        if basis_element is not None
        else None
    )
    submitted_at = moment(root, "submittedAt")
    if submitted_at is None or submitted_at.tzinfo is None:
        raise ContractInvalid("submittedAt without its time zone")
    return AttachmentRequest(
        number=text(root, "number"),
        submitted_at=submitted_at,
        nonce=text(root, "nonce"),
        account_iin=text(root, "accountIin"),
        recipient_iin=text(root, "recipientIin"),
        provider_bin=text(root, "providerBin"),
        reason=text(root, "reason"),
        applicant_role=text(root, "applicantRole"),
        applicant_iin=text(root, "applicantIin"),
        power_of_attorney=poa,
        district_number=text(root, "districtNumber"),
        basis=basis,
        contacts=Contacts(text(root, "contacts/phone"), text(root, "contacts/email")),
        documents=tuple(
            Document(
                code=text(d, "code"),
                filename=text(d, "filename"),
                sha256=text(d, "sha256"),
                size=int(text(d, "size")),
            )
            for d in root.iterfind("documents/document")
        ),
        language=text(root, "language"),
    )
