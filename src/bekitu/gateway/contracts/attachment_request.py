"""The citizen's request (R9.5, R9.8): serviceId `bekitu.attachment.request`, portal to
provider, route = the provider's BIN, correlation id = the portal's request number.

Parts: `request.xml` (this document, signed whole by the citizen: enveloped XML-DSig,
Reference URI="") and `copy-<code>` (each e-copy's bytes; the request carries their SHA-256
and size, so the signature covers them). Schema: `schemas/attachment-request-1.xsd`.

The receiver verifies the signature itself (`eds.verification.verify_request` with
`account_iin`) and parses only the verified signed root: `parse_request(result.signed_root)`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

SERVICE_ID = "bekitu.attachment.request"
NS = "urn:bekitu:attachment-request:1"
VERSION = "1"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "attachment-request-1.xsd"
REQUEST_PART = "request.xml"
APPLICANT_ROLES = ("self", "parent", "guardian", "representative")
BASIS_KINDS = ("residence", "work", "study", "actual_residence")


class RequestInvalid(ValueError):
    """Not a request of version 1 (the schema's message says where)."""


@dataclass(frozen=True)
class PowerOfAttorney:
    number: str
    issued_on: dt.date
    issued_by: str
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class Basis:
    kind: str  # residence, work, study, actual_residence
    address: str = ""


@dataclass(frozen=True)
class Contacts:
    phone: str
    email: str = ""


@dataclass(frozen=True)
class Document:
    """One e-copy: the checklist's code, the file's name, its SHA-256 (hex) and size."""

    code: str
    filename: str
    sha256: str
    size: int

    @property
    def part_name(self) -> str:
        """The envelope part that carries its bytes."""
        return copy_part(self.code)


@dataclass(frozen=True)
class AttachmentRequest:
    number: str
    submitted_at: dt.datetime
    nonce: str
    account_iin: str
    recipient_iin: str
    applicant_role: str
    provider_bin: str
    reason: str
    contacts: Contacts
    language: str
    applicant_iin: str = ""
    power_of_attorney: PowerOfAttorney | None = None
    district_number: str = ""
    basis: Basis | None = None
    documents: tuple[Document, ...] = field(default_factory=tuple)


def copy_part(code: str) -> str:
    """The name of the part that carries the e-copy of a document `code`."""
    return f"copy-{code}"


def document_for(code: str, filename: str, content: bytes) -> Document:
    """The request's entry for an e-copy: its digest and size computed from the bytes."""
    return Document(code, filename, hashlib.sha256(content).hexdigest(), len(content))


def copies_match(request: AttachmentRequest, parts: dict[str, bytes]) -> bool:
    """Whether every e-copy the request names came, with the SHA-256 and size it names."""
    for document in request.documents:
        content = parts.get(document.part_name)
        if content is None or len(content) != document.size:
            return False
        if hashlib.sha256(content).hexdigest() != document.sha256:
            return False
    return True


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


def validate(root: etree._Element) -> None:
    """Raise RequestInvalid unless `root` is a valid request of version 1."""
    schema = _schema()
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise RequestInvalid(f"line {error.line}: {error.message}" if error else "invalid")


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        node.text = text
    return node


def _zoned(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("submittedAt needs its zone")
    return moment.isoformat(timespec="seconds")


def build_request(request: AttachmentRequest) -> bytes:
    """The request as XML (UTF-8, with its declaration), valid against the schema; to be
    signed whole by the citizen."""
    root = etree.Element(f"{{{NS}}}AttachmentRequest", nsmap={None: NS})
    root.set("version", VERSION)
    _el(root, "number", request.number)
    _el(root, "submittedAt", _zoned(request.submitted_at))
    _el(root, "nonce", request.nonce)
    _el(root, "accountIin", request.account_iin)
    _el(root, "recipientIin", request.recipient_iin)
    _el(root, "applicantRole", request.applicant_role)
    if request.applicant_iin:
        _el(root, "applicantIin", request.applicant_iin)
    if request.power_of_attorney is not None:
        poa = request.power_of_attorney
        node = _el(root, "powerOfAttorney")
        _el(node, "number", poa.number)
        _el(node, "issuedOn", poa.issued_on.isoformat())
        if poa.valid_until is not None:
            _el(node, "validUntil", poa.valid_until.isoformat())
        _el(node, "issuedBy", poa.issued_by)
    _el(root, "providerBin", request.provider_bin)
    if request.district_number:
        _el(root, "districtNumber", request.district_number)
    _el(root, "reason", request.reason)
    if request.basis is not None:
        basis = _el(root, "basis")
        _el(basis, "kind", request.basis.kind)
        if request.basis.address:
            _el(basis, "address", request.basis.address)
    contacts = _el(root, "contacts")
    _el(contacts, "phone", request.contacts.phone)
    if request.contacts.email:
        _el(contacts, "email", request.contacts.email)
    documents = _el(root, "documents")
    for document in request.documents:
        node = _el(documents, "document")
        _el(node, "code", document.code)
        _el(node, "filename", document.filename)
        _el(node, "sha256", document.sha256)
        _el(node, "size", str(document.size))
    _el(root, "language", request.language)
    try:
        validate(root)
    except RequestInvalid as exc:
        raise RequestInvalid(f"the request does not follow its schema: {exc}") from exc
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _text(parent: etree._Element, name: str) -> str:
    node = parent.find(f"{{{NS}}}{name}")
    return (node.text or "").strip() if node is not None else ""


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def parse_request(data: bytes | etree._Element) -> AttachmentRequest:
    """The request from its XML (bytes, or a verified signed root). Raises RequestInvalid.
    Give it only what a verified signature covers."""
    if isinstance(data, bytes | bytearray):
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            root = etree.fromstring(bytes(data), parser)
        except etree.XMLSyntaxError as exc:
            raise RequestInvalid(f"not XML: {exc}") from exc
    else:
        root = data
    validate(root)
    poa_node = root.find(f"{{{NS}}}powerOfAttorney")
    poa = None
    if poa_node is not None:
        poa = PowerOfAttorney(
            number=_text(poa_node, "number"),
            issued_on=dt.date.fromisoformat(_text(poa_node, "issuedOn")),
            issued_by=_text(poa_node, "issuedBy"),
            valid_until=_date(_text(poa_node, "validUntil")),
        )
    basis_node = root.find(f"{{{NS}}}basis")
    basis = None
    if basis_node is not None:
        basis = Basis(_text(basis_node, "kind"), _text(basis_node, "address"))
    contacts_node = root.find(f"{{{NS}}}contacts")
    assert contacts_node is not None  # the schema requires it
    documents = tuple(
        Document(
            code=_text(node, "code"),
            filename=_text(node, "filename"),
            sha256=_text(node, "sha256"),
            size=int(_text(node, "size")),
        )
        for node in root.iterfind(f"{{{NS}}}documents/{{{NS}}}document")
    )
    return AttachmentRequest(
        number=_text(root, "number"),
        submitted_at=dt.datetime.fromisoformat(_text(root, "submittedAt")),
        nonce=_text(root, "nonce"),
        account_iin=_text(root, "accountIin"),
        recipient_iin=_text(root, "recipientIin"),
        applicant_role=_text(root, "applicantRole"),
        applicant_iin=_text(root, "applicantIin"),
        power_of_attorney=poa,
        provider_bin=_text(root, "providerBin"),
        district_number=_text(root, "districtNumber"),
        reason=_text(root, "reason"),
        basis=basis,
        contacts=Contacts(_text(contacts_node, "phone"), _text(contacts_node, "email")),
        documents=documents,
        language=_text(root, "language"),
    )
