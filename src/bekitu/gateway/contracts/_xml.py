"""What the contracts share: a safe parser, schema validation, element helpers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


class ContractInvalid(ValueError):
    """The bytes are not a document of the contract's schema."""


@cache
def schema(filename: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / filename)))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def document(data: bytes) -> etree._Element:
    """The root of well-formed XML, not yet validated (no DTD, no entities, no network): for
    a contract that reads the version before it knows the schema."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ContractInvalid("a DTD or an entity declaration")
    try:
        return etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ContractInvalid(f"not well-formed: {exc.__class__.__name__}") from exc


def parse(data: bytes | etree._Element, filename: str) -> etree._Element:
    """The root of a document of the schema `filename` (no DTD, no entities, no network)."""
    root = document(data) if isinstance(data, bytes) else data
    validator = schema(filename)
    if not validator.validate(root):
        raise ContractInvalid(str(validator.error_log.last_error))
    return root


def serialise(root: etree._Element, filename: str) -> bytes:
    """The document's bytes, validated against its schema first."""
    validator = schema(filename)
    if not validator.validate(root):
        raise ContractInvalid(str(validator.error_log.last_error))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    """A child element with `text`; ContractInvalid for a text XML cannot carry (lxml refuses
    a NUL or another control character)."""
    element = etree.SubElement(parent, tag)
    if text is not None:
        try:
            element.text = text
        except ValueError as exc:
            raise ContractInvalid("a text XML cannot carry") from exc
    return element


@dataclass(frozen=True)
class Vocabulary:
    """A contract's namespace, schema and version: its element names, a new document's root,
    and a document read back (valid, with the root expected: a schema may admit several)."""

    namespace: str
    schema: str
    version: str

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def root(self, name: str) -> etree._Element:
        return etree.Element(self.tag(name), nsmap={None: self.namespace}, version=self.version)

    def read(self, data: bytes, name: str) -> etree._Element:
        root = parse(data, self.schema)
        if root.tag != self.tag(name):
            raise ContractInvalid(f"a {name} was expected")
        return root


def zoned(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ContractInvalid("a moment without its time zone")
    return moment.isoformat(timespec="seconds")


def text(parent: etree._Element, tag: str) -> str:
    return parent.findtext(tag) or ""


def moment(parent: etree._Element, tag: str) -> datetime | None:
    value = parent.findtext(tag)
    return datetime.fromisoformat(value) if value else None


def day(parent: etree._Element, tag: str) -> date | None:
    value = parent.findtext(tag)
    return date.fromisoformat(value) if value else None


LANGUAGES = ("kk", "ru", "en")


def sub_texts(parent: etree._Element, tag: str, texts: Mapping[str, str], namespace: str) -> None:
    """`tag` with a child per language `texts` gives (kk, ru, en in that order, an empty one
    kept), so that a reader gets back exactly the languages it was given."""
    if not set(texts) <= set(LANGUAGES):
        raise ContractInvalid(f"a language other than {', '.join(LANGUAGES)}")
    element = sub(parent, tag)
    for language in LANGUAGES:
        if language in texts:
            sub(element, f"{{{namespace}}}{language}", texts[language])


def read_texts(parent: etree._Element, tag: str, namespace: str) -> dict[str, str]:
    """The texts of the element `tag` that `sub_texts` wrote, by language."""
    element = parent.find(tag)
    if element is None:
        return {}
    found = ((language, element.find(f"{{{namespace}}}{language}")) for language in LANGUAGES)
    return {language: child.text or "" for language, child in found if child is not None}


def boolean(parent: etree._Element, tag: str) -> bool:
    """An xs:boolean the schema admitted: true, false, 1 or 0, its white space collapsed."""
    return text(parent, tag).strip() in ("true", "1")


def xs_boolean(value: bool) -> str:
    return "true" if value else "false"
