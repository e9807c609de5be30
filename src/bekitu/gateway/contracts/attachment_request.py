"""The citizen's request (R9.5, R9.8): serviceId `bekitu.attachment.request`, portal to
provider, route = the provider's BIN, correlation id = the portal's request number.

Parts: `request.xml` (this document, signed whole by the citizen: enveloped XML-DSig,
Reference URI="") and `copy-<code>` (each e-copy's bytes; the request carries their SHA-256
and size, so the signature covers them). Schema: `schemas/attachment-request-3.xsd`.

Version 2 states the basis of the attachment with the unit (KATO) of the address it rests on;
version 3 may add that address in parts (street, house, building, apartment) so the provider
matches it against its service areas (decision 0012). The portal builds only version 3. A
request of version 2 is still read (its address was text alone), and so is one of version 1
(`schemas/attachment-request-1.xsd`): its basis carried no unit, so it rests on the
registered residence (`basis` is None).

The receiver verifies the signature itself (`eds.verification.verify_request` with
`account_iin`) and parses only the verified signed root: `parse_request(result.signed_root)`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from lxml import etree

SERVICE_ID = "bekitu.attachment.request"
NS = "urn:bekitu:attachment-request:3"
VERSION = "3"
NS_V2 = "urn:bekitu:attachment-request:2"
NS_V1 = "urn:bekitu:attachment-request:1"
_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_FILE = _SCHEMAS / "attachment-request-3.xsd"
# Each version the provider reads, by its namespace: (version, schema).
SCHEMA_FILES = {
    NS: ("3", SCHEMA_FILE),
    NS_V2: ("2", _SCHEMAS / "attachment-request-2.xsd"),
    NS_V1: ("1", _SCHEMAS / "attachment-request-1.xsd"),
}
REQUEST_PART = "request.xml"
APPLICANT_ROLES = ("self", "parent", "guardian", "representative")
# The codes of core.vocabulary.AttachmentBasis (the contract does not import the service's).
REGISTERED_RESIDENCE = "registered_residence"
BASIS_KINDS = (REGISTERED_RESIDENCE, "temporary_residence", "work", "study", "actual_residence")


class RequestInvalid(ValueError):
    """Not a request of a version the contract reads (the schema's message says where)."""


@dataclass(frozen=True)
class PowerOfAttorney:
    number: str
    issued_on: dt.date
    issued_by: str
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class Basis:
    """What the attachment rests on (a code of BASIS_KINDS); every basis but the registered
    residence carries the unit (nine-digit KATO code) of its address and its text; since
    version 3 also the address in parts (the street and the house together, or neither)."""

    kind: str
    atu_code: str = ""
    address: str = ""
    pregnant: bool = False
    street: str = ""
    house: int | None = None
    building: str = ""
    apartment: str = ""


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
    # None: the registered residence (a request of version 1 is read so).
    basis: Basis | None = None
    documents: tuple[Document, ...] = field(default_factory=tuple)
    version: str = VERSION


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
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def _namespace(root: etree._Element) -> str:
    return etree.QName(root).namespace or ""


def validate(root: etree._Element) -> str:
    """The version of the request `root`; RequestInvalid unless it is a valid request of a
    version the contract reads."""
    version, path = SCHEMA_FILES.get(_namespace(root), (None, None))
    if version is None or path is None:
        raise RequestInvalid(f"not a request of a known version: {_namespace(root)!r}")
    schema = _schema(path)
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise RequestInvalid(f"line {error.line}: {error.message}" if error else "invalid")
    return version


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        node.text = text
    return node


def _zoned(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("submittedAt needs its zone")
    return moment.isoformat(timespec="seconds")


def _basis_build(root: etree._Element, basis: Basis) -> None:
    if basis.kind != REGISTERED_RESIDENCE and not basis.atu_code:
        raise RequestInvalid("a basis other than the registered residence needs its unit")
    node = _el(root, "basis")
    _el(node, "kind", basis.kind)
    if basis.kind != REGISTERED_RESIDENCE:
        _el(node, "atuCode", basis.atu_code)
        if basis.address:
            _el(node, "address", basis.address)
        if basis.street and basis.house is not None:
            _dwelling_build(node, basis)
    if basis.pregnant:
        _el(node, "pregnant", "true")


def _dwelling_build(node: etree._Element, basis: Basis) -> None:
    dwelling = _el(node, "dwelling")
    _el(dwelling, "street", basis.street)
    _el(dwelling, "house", str(basis.house))
    if basis.building:
        _el(dwelling, "building", basis.building)
    if basis.apartment:
        _el(dwelling, "apartment", basis.apartment)


def build_request(request: AttachmentRequest) -> bytes:
    """The request as XML of version 3 (UTF-8, with its declaration), valid against its
    schema; to be signed whole by the citizen."""
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
    _basis_build(root, request.basis or Basis(REGISTERED_RESIDENCE))
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
    node = parent.find(f"{{{_namespace(parent)}}}{name}")
    return (node.text or "").strip() if node is not None else ""


def _basis_parse(root: etree._Element, version: str) -> Basis | None:
    """The basis of a request of version 2 or 3 (with the address in parts when version 3
    gives them); None for version 1, whose basis had no unit: such a request rests on the
    registered residence."""
    ns = _namespace(root)
    node = root.find(f"{{{ns}}}basis")
    if version == "1" or node is None:
        return None
    basis = Basis(
        kind=_text(node, "kind"),
        atu_code=_text(node, "atuCode"),
        address=_text(node, "address"),
        pregnant=_text(node, "pregnant") in ("true", "1"),
    )
    dwelling = node.find(f"{{{ns}}}dwelling")
    if dwelling is None:
        return basis
    return replace(
        basis,
        street=_text(dwelling, "street"),
        house=int(_text(dwelling, "house")),
        building=_text(dwelling, "building"),
        apartment=_text(dwelling, "apartment"),
    )


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
    version = validate(root)
    try:
        return _read(root, version)
    except ValueError as exc:
        # A value the schema admits that is no date or number here (year 10000, 24:00:00).
        raise RequestInvalid(f"a value cannot be read: {exc}") from exc


def _read(root: etree._Element, version: str) -> AttachmentRequest:
    ns = _namespace(root)
    poa_node = root.find(f"{{{ns}}}powerOfAttorney")
    poa = None
    if poa_node is not None:
        poa = PowerOfAttorney(
            number=_text(poa_node, "number"),
            issued_on=dt.date.fromisoformat(_text(poa_node, "issuedOn")),
            issued_by=_text(poa_node, "issuedBy"),
            valid_until=_date(_text(poa_node, "validUntil")),
        )
    contacts_node = root.find(f"{{{ns}}}contacts")
    assert contacts_node is not None  # the schema requires it
    documents = tuple(
        Document(
            code=_text(node, "code"),
            filename=_text(node, "filename"),
            sha256=_text(node, "sha256"),
            size=int(_text(node, "size")),
        )
        for node in root.iterfind(f"{{{ns}}}documents/{{{ns}}}document")
    )
    codes = [document.code for document in documents]
    if len(set(codes)) != len(codes):
        # Each e-copy travels as the part named by its code: a second one of a code would
        # stand for the first, unseen by whoever reads the signed list.
        raise RequestInvalid("a document is listed twice")
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
        basis=_basis_parse(root, version),
        contacts=Contacts(_text(contacts_node, "phone"), _text(contacts_node, "email")),
        documents=documents,
        language=_text(root, "language"),
        version=version,
    )
