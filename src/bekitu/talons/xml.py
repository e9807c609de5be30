"""The talon as an XML e-document (R3.1, R9.12): built, checked against its schema, read back.

The document is versioned by its namespace; version 1.0 is `urn:bekitu:talon:1.0`, described
by `schema/talon-1.0.xsd` and field by field in docs/talon.md. This module knows nothing of
the ORM: it turns a `TalonContent` into bytes and back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

NAMESPACE = "urn:bekitu:talon:1.1"
VERSION = "1.1"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "talon-1.1.xsd"
# The versions read: talons issued under 1.0 (no reason, no basis) stay valid.
SCHEMAS = {
    NAMESPACE: SCHEMA_PATH,
    "urn:bekitu:talon:1.0": Path(__file__).resolve().parent / "schema" / "talon-1.0.xsd",
}


class TalonSchemaError(ValueError):
    """The XML does not follow the talon schema; the message names the first problem."""


@dataclass(frozen=True)
class TalonContent:
    """Everything a talon says, as plain values: the source of both the XML and the PDF."""

    number: str
    issued_at: dt.datetime
    code: str
    verification_url: str
    application_number: str
    channel: str
    person_iin: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: dt.date
    provider_bin: str
    provider_name_kk: str
    provider_name_ru: str
    provider_address: str
    provider_phone: str
    district_number: int | None
    district_kind: str | None
    doctor_name: str | None
    doctor_specialty: str | None
    effective_date: dt.date
    home_visits: bool
    # Printed on the PDF only: the person's address and the provider's working hours.
    person_address: str = ""
    provider_hours: str = ""
    issued_by: str = ""  # the specialist's name
    # False while the provider's key is unavailable: the PDF asks for a handwritten signature.
    signed: bool = True
    # Printed on the PDF only: why the attachment starts, what it rests on and its address.
    reason: str = ""
    basis: str = "registered_residence"
    basis_address: str = ""

    @property
    def full_name(self) -> str:
        """Surname, given name and patronymic, as documents print them."""
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _group(parent: Any, tag: str, fields: list[tuple[str, str]]) -> None:
    group = _sub(parent, tag)
    for name, value in fields:
        _sub(group, name, value)


def _person_fields(c: TalonContent) -> list[tuple[str, str]]:
    fields = [("iin", c.person_iin), ("surname", c.surname), ("givenName", c.given_name)]
    if c.patronymic:
        fields.append(("patronymic", c.patronymic))
    return [*fields, ("birthDate", c.birth_date.isoformat())]


def build_talon_xml(content: TalonContent) -> bytes:
    """The unsigned talon document for `content`, as UTF-8 bytes with a declaration."""
    c = content
    root = etree.Element(f"{{{NAMESPACE}}}talon", nsmap={None: NAMESPACE})
    root.set("version", VERSION)
    _sub(root, "number", c.number)
    _sub(root, "issuedAt", c.issued_at.replace(microsecond=0).isoformat())  # with its offset
    _sub(root, "verificationCode", c.code)
    _sub(root, "verificationUrl", c.verification_url)
    _group(root, "application", [("number", c.application_number), ("channel", c.channel)])
    _group(root, "person", _person_fields(c))
    provider = [("bin", c.provider_bin), ("nameKk", c.provider_name_kk)]
    provider += [("nameRu", c.provider_name_ru), ("address", c.provider_address)]
    _group(root, "provider", [*provider, ("phone", c.provider_phone)])
    if c.district_number is not None and c.district_kind:
        _group(root, "district", [("number", str(c.district_number)), ("kind", c.district_kind)])
    if c.doctor_name and c.doctor_specialty:
        _group(root, "doctor", [("fullName", c.doctor_name), ("specialty", c.doctor_specialty)])
    home_visits = "true" if c.home_visits else "false"
    attachment = [("effectiveDate", c.effective_date.isoformat()), ("homeVisits", home_visits)]
    _group(root, "attachment", [*attachment, *([("reason", c.reason)] if c.reason else [])])
    basis = _sub(root.find(f"{{{NAMESPACE}}}attachment"), "basis")
    _sub(basis, "kind", c.basis)
    if c.basis_address:
        _sub(basis, "address", c.basis_address[:255])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@cache
def _schema(path: Path = SCHEMA_PATH) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def _namespace(root: Any) -> str:
    if not isinstance(root, etree._Element):
        return ""
    return etree.QName(root).namespace or ""


def _is_talon(root: Any) -> bool:
    return _namespace(root) in SCHEMAS and etree.QName(root).localname == "talon"


def _parse(data: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise TalonSchemaError(f"not well-formed XML: {exc}") from exc


def unsigned_root(data: bytes) -> Any:
    """The root element of a talon's e-document issued unsigned (its provider's key was
    unavailable), or None when it is not well-formed."""
    try:
        return _parse(data)
    except TalonSchemaError:
        return None


def validate_talon_xml(data: bytes) -> None:
    """Raise `TalonSchemaError` unless `data` is a talon that follows the schema of its
    version (1.1, or 1.0 for a talon issued before 1.1)."""
    root = _parse(data)
    path = SCHEMAS.get(_namespace(root))
    if path is None:
        raise TalonSchemaError(f"not a talon of a known version: {_namespace(root)!r}")
    schema = _schema(path)
    if not schema.validate(root.getroottree()):
        error = schema.error_log.last_error
        raise TalonSchemaError(f"line {error.line}: {error.message}" if error else "invalid")


@dataclass(frozen=True)
class TalonIdentity:
    """What binds a signed document to a talon row: number, code, person and provider."""

    number: str
    code: str
    person_iin: str
    provider_bin: str

    def as_tuple(self) -> tuple[str, str, str, str]:
        """The four values in declaration order, for comparing with a row."""
        return (self.number, self.code, self.person_iin, self.provider_bin)


def talon_identity(root: Any) -> TalonIdentity | None:
    """The identity of a talon element (or of talon bytes); None if it is not a talon."""
    if isinstance(root, bytes):
        try:
            root = _parse(root)
        except TalonSchemaError:
            return None
    if not _is_talon(root):
        return None
    ns = {"t": _namespace(root)}
    paths = ("t:number", "t:verificationCode", "t:person/t:iin", "t:provider/t:bin")
    values = [root.findtext(path, namespaces=ns) or "" for path in paths]
    return TalonIdentity(*values) if all(values) else None


@dataclass(frozen=True)
class SignedFacts:
    """What the public check may show of a talon: read from its signed document only."""

    number: str
    issued_at: dt.datetime
    initials: str
    provider_bin: str
    provider_name_kk: str
    provider_name_ru: str
    effective_date: dt.date


def signed_facts(root: Any) -> SignedFacts | None:
    """The facts of a verified talon element, or None when one is missing or malformed."""
    if not _is_talon(root):
        return None
    ns = {"t": _namespace(root)}

    def text(path: str) -> str:
        return root.findtext(path, namespaces=ns) or ""

    names = [text(f"t:person/t:{part}") for part in ("givenName", "patronymic", "surname")]
    try:
        issued_at = dt.datetime.fromisoformat(text("t:issuedAt"))
        effective = dt.date.fromisoformat(text("t:attachment/t:effectiveDate"))
    except ValueError:
        return None
    return SignedFacts(
        number=text("t:number"),
        issued_at=issued_at,
        initials=" ".join(n[:1] + "." for n in names if n),
        provider_bin=text("t:provider/t:bin"),
        provider_name_kk=text("t:provider/t:nameKk"),
        provider_name_ru=text("t:provider/t:nameRu"),
        effective_date=effective,
    )
