"""The portal asks which documents a request must carry (R9.5): a synchronous query (the
gateway's `message_call`), serviceId `bekitu.portal.requirements`, portal -> the providers'
system (route = `BEKITU_GATEWAY_REGISTER_SYSTEM_ID`), answered only to the portal.

The query's part `query.xml` (`RequirementsQuery`) gives the recipient, the applicant's role,
the basis of the attachment and whether the recipient is pregnant; the answer's part
`answer.xml` (`RequirementsAnswer`) the desk's checklist for that case (R8.1), the document of
the basis with it, each with its title and why it is asked in kk, ru and en, and the desk's
rules for an e-copy (its largest size, its types).

Schema: `schemas/portal-requirements-1.xsd`, namespace `urn:bekitu:portal-requirements:1`,
which the gateway's partners validate the payload against; a new version is a new namespace
and file.
"""

from __future__ import annotations

from dataclasses import dataclass

from bekitu.gateway.contracts._xml import (
    ContractInvalid,
    Vocabulary,
    boolean,
    read_texts,
    serialise,
    sub,
    sub_texts,
    text,
    xs_boolean,
)

SERVICE_ID = "bekitu.portal.requirements"
SCHEMA = "portal-requirements-1.xsd"
NAMESPACE = "urn:bekitu:portal-requirements:1"
VERSION = "1"
PART_QUERY = "query.xml"
PART_ANSWER = "answer.xml"

__all__ = [
    "NAMESPACE",
    "PART_ANSWER",
    "PART_QUERY",
    "SERVICE_ID",
    "ContractInvalid",
    "Document",
    "RequirementsAnswer",
    "RequirementsQuery",
    "Scan",
    "build_answer",
    "build_query",
    "parse_answer",
    "parse_query",
]


@dataclass(frozen=True)
class RequirementsQuery:
    recipient_iin: str
    applicant_role: str
    basis: str
    pregnant: bool = False


@dataclass(frozen=True)
class Document:
    """A document of the checklist: its code (the e-copy's part `copy-<code>`), its title and
    why it is asked, by language."""

    code: str
    title: dict[str, str]
    why: dict[str, str]
    required: bool = True


@dataclass(frozen=True)
class Scan:
    """The desk's rules for an e-copy (`core/scans.py`)."""

    max_bytes: int
    types: tuple[str, ...]


@dataclass(frozen=True)
class RequirementsAnswer:
    documents: tuple[Document, ...]
    scan: Scan


_WORDS = Vocabulary(NAMESPACE, SCHEMA, VERSION)
_tag, _root, _read = _WORDS.tag, _WORDS.root, _WORDS.read


def build_query(query: RequirementsQuery) -> bytes:
    """The query's part (ContractInvalid when the schema refuses it)."""
    root = _root("RequirementsQuery")
    sub(root, _tag("recipientIin"), query.recipient_iin)
    sub(root, _tag("applicantRole"), query.applicant_role)
    sub(root, _tag("basis"), query.basis)
    sub(root, _tag("pregnant"), xs_boolean(query.pregnant))
    return serialise(root, SCHEMA)


def parse_query(data: bytes) -> RequirementsQuery:
    """The query (ContractInvalid when it is not a valid one)."""
    root = _read(data, "RequirementsQuery")
    return RequirementsQuery(
        recipient_iin=text(root, _tag("recipientIin")),
        applicant_role=text(root, _tag("applicantRole")),
        basis=text(root, _tag("basis")),
        pregnant=boolean(root, _tag("pregnant")),
    )


def build_answer(answer: RequirementsAnswer) -> bytes:
    """The answer's part (ContractInvalid when the schema refuses it)."""
    root = _root("RequirementsAnswer")
    for document in answer.documents:
        element = sub(root, _tag("document"))
        sub(element, _tag("code"), document.code)
        sub_texts(element, _tag("title"), document.title, NAMESPACE)
        sub_texts(element, _tag("why"), document.why, NAMESPACE)
        sub(element, _tag("required"), xs_boolean(document.required))
    scan = sub(root, _tag("scan"))
    sub(scan, _tag("maxBytes"), str(answer.scan.max_bytes))
    for media_type in answer.scan.types:
        sub(scan, _tag("type"), media_type)
    return serialise(root, SCHEMA)


def parse_answer(data: bytes) -> RequirementsAnswer:
    """The answer (ContractInvalid when it is not a valid one)."""
    root = _read(data, "RequirementsAnswer")
    documents = tuple(
        Document(
            code=text(d, _tag("code")),
            title=read_texts(d, _tag("title"), NAMESPACE),
            why=read_texts(d, _tag("why"), NAMESPACE),
            required=boolean(d, _tag("required")),
        )
        for d in root.iterfind(_tag("document"))
    )
    max_bytes = root.findtext(f"{_tag('scan')}/{_tag('maxBytes')}") or ""
    types = tuple(t.text or "" for t in root.iterfind(f"{_tag('scan')}/{_tag('type')}"))
    return RequirementsAnswer(documents, Scan(int(max_bytes), types))
