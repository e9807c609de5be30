"""The gateway's envelope: build and read `SendMessage` and `SendMessageResponse` (R9.8).

The shape is the e-government gateway's (ШЭП) SyncChannel/AsyncChannel envelope: `requestInfo`
(messageId, correlationId, serviceId, messageDate, routeId, sender) and `requestData` with an
opaque payload; a response carries `responseInfo` with a status code. Every envelope is
validated against `schemas/envelope-1.xsd` when it is built and when it is read. This module is
pure (lxml only, no Django) and knows nothing of signatures: `signature.py` signs and verifies.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from lxml import etree

NS = "urn:bekitu:gateway:envelope:1"
SCHEMA_FILE = Path(__file__).with_name("schemas") / "envelope-1.xsd"
SEND_MESSAGE = f"{{{NS}}}SendMessage"
SEND_MESSAGE_RESPONSE = f"{{{NS}}}SendMessageResponse"
# 768 KiB of bytes is 1 MiB of base64 text: well under libxml2's 10 MB limit on a text node.
CHUNK_BYTES = 786_432

# Status codes of a response (docs/gateway.md). SCSS001 is the gateway's own success code.
SUCCESS = "SCSS001"
DUPLICATE = "SCSS002"  # the message had already been received: nothing was done twice
ENVELOPE_INVALID = "EENV001"  # not an envelope of a schema this receiver has
SIGNATURE_NOT_CONFIRMED = "ESIG001"  # the sending system's signature did not verify
UNKNOWN_PARTICIPANT = "ERTE001"  # the sender or route is not a registered participant here
UNKNOWN_SERVICE = "ESRV001"  # no handler is registered for the serviceId
SERVICE_FAILED = "ESRV002"  # the handler failed; the message is parked for an operator
SERVICE_REFUSED = "ESRV003"  # the handler refused the request (the message names the code)
SERVICE_DISCARDED = "ESRV004"  # parked, then discarded by the receiver's operator: never processed
STATUS_TEXT = {
    SUCCESS: "Message has been processed successfully",
    DUPLICATE: "Message had already been received",
    ENVELOPE_INVALID: "Envelope does not match the schema",
    SIGNATURE_NOT_CONFIRMED: "Signature of the sending system is not confirmed",
    UNKNOWN_PARTICIPANT: "Sender or route is not a registered participant",
    UNKNOWN_SERVICE: "No such service at the receiver",
    SERVICE_FAILED: "Service failed to process the message",
    SERVICE_REFUSED: "Service refused the request",
    SERVICE_DISCARDED: "Message was discarded by the receiver's operator and will not be processed",
}
SUCCESS_CODES = frozenset({SUCCESS, DUPLICATE})


class EnvelopeInvalid(ValueError):
    """The XML is not an envelope of this schema (or its parts do not match their digests)."""


@dataclass(frozen=True)
class Part:
    """A named piece of the opaque payload: a signed document, an e-copy of a document, ..."""

    name: str
    content: bytes = field(repr=False)
    media_type: str = "application/octet-stream"

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the content, as the envelope states it."""
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Header:
    """What routes a message: who sends it, to whom, for which service, about what."""

    message_id: str
    service_id: str
    sender_id: str
    route_id: str
    date: datetime
    correlation_id: str = ""


@dataclass(frozen=True)
class Request:
    """A `SendMessage`: a header, properties and the payload."""

    header: Header
    parts: tuple[Part, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()

    def part(self, name: str) -> bytes:
        """The content of the part called `name` (KeyError if there is none)."""
        for part in self.parts:
            if part.name == name:
                return part.content
        raise KeyError(name)


@dataclass(frozen=True)
class Response:
    """A `SendMessageResponse`: the answer to a request (`header.correlation_id`) and a status."""

    header: Header
    status_code: str
    status_message: str
    parts: tuple[Part, ...] = ()

    @property
    def ok(self) -> bool:
        """The receiver processed the request (or had processed it already)."""
        return self.status_code in SUCCESS_CODES

    def part(self, name: str) -> bytes:
        """The content of the part called `name` (KeyError if there is none)."""
        for part in self.parts:
            if part.name == name:
                return part.content
        raise KeyError(name)


def new_message_id() -> str:
    """A fresh message id: a random UUID, lower-case, as the schema wants it."""
    return str(uuid.uuid4())


def as_parts(parts: Iterable[Part] | Mapping[str, bytes]) -> tuple[Part, ...]:
    """Parts from a sequence of `Part` or a mapping of name to bytes."""
    if isinstance(parts, Mapping):
        return tuple(Part(name, content) for name, content in parts.items())
    return tuple(parts)


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


def validate(root: etree._Element) -> None:
    """Raise EnvelopeInvalid unless `root` is a valid envelope of version 1."""
    schema = _schema()
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise EnvelopeInvalid(f"line {error.line}: {error.message}" if error else "invalid")


def _child(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, name)
    if text is not None:
        element.text = text
    return element


def _zoned(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise EnvelopeInvalid("a message date needs its time zone")
    return moment.isoformat(timespec="milliseconds")


def _data(parent: etree._Element, name: str, parts: Iterable[Part]) -> None:
    data = _child(_child(parent, name), "data")
    for part in parts:
        element = _child(data, "part")
        element.set("name", part.name)
        element.set("mediaType", part.media_type)
        element.set("size", str(len(part.content)))
        element.set("sha256", part.sha256)
        for start in range(0, len(part.content), CHUNK_BYTES):
            chunk = part.content[start : start + CHUNK_BYTES]
            _child(element, "chunk", base64.b64encode(chunk).decode("ascii"))


def _sender(parent: etree._Element, header: Header) -> None:
    _child(_child(parent, "sender"), "senderId", header.sender_id)


def _serialise(root: etree._Element) -> bytes:
    validate(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_request(request: Request) -> bytes:
    """The `SendMessage` XML of a request, unsigned, validated against the schema."""
    h = request.header
    root = etree.Element(SEND_MESSAGE, nsmap={"gw": NS})
    info = _child(_child(root, "request"), "requestInfo")
    _child(info, "messageId", h.message_id)
    if h.correlation_id:
        _child(info, "correlationId", h.correlation_id)
    _child(info, "serviceId", h.service_id)
    _child(info, "messageDate", _zoned(h.date))
    _child(info, "routeId", h.route_id)
    _sender(info, h)
    for key, value in request.properties:
        prop = _child(info, "properties")
        _child(prop, "key", key)
        _child(prop, "value", value)
    _data(root[0], "requestData", request.parts)
    return _serialise(root)


def build_response(response: Response) -> bytes:
    """The `SendMessageResponse` XML, unsigned, validated against the schema."""
    h = response.header
    root = etree.Element(SEND_MESSAGE_RESPONSE, nsmap={"gw": NS})
    info = _child(_child(root, "response"), "responseInfo")
    _child(info, "messageId", h.message_id)
    _child(info, "correlationId", h.correlation_id)
    _child(info, "serviceId", h.service_id)
    _child(info, "responseDate", _zoned(h.date))
    _child(info, "routeId", h.route_id)
    _sender(info, h)
    status = _child(info, "status")
    _child(status, "code", response.status_code)
    _child(status, "message", response.status_message[:1000])
    _data(root[0], "responseData", response.parts)
    return _serialise(root)


def _text(parent: etree._Element, name: str) -> str:
    element = parent.find(name)
    return (element.text or "") if element is not None else ""


def _header(info: etree._Element, date_tag: str) -> Header:
    try:
        # xs:dateTime allows a few forms Python does not read (year 10000, 24:00:00).
        date = datetime.fromisoformat(_text(info, date_tag))
    except ValueError as exc:
        raise EnvelopeInvalid(f"{date_tag} cannot be read") from exc
    return Header(
        message_id=_text(info, "messageId"),
        correlation_id=_text(info, "correlationId"),
        service_id=_text(info, "serviceId"),
        date=date,
        route_id=_text(info, "routeId"),
        sender_id=_text(info, "sender/senderId"),
    )


def _parts(body: etree._Element) -> tuple[Part, ...]:
    parts = []
    for element in body.iterfind("data/part"):
        content = b"".join(base64.b64decode(c.text or "") for c in element.iterfind("chunk"))
        part = Part(element.get("name", ""), content, element.get("mediaType", ""))
        if len(content) != int(element.get("size", "-1")) or part.sha256 != element.get("sha256"):
            raise EnvelopeInvalid(f"part {part.name!r} does not match its size or SHA-256")
        parts.append(part)
    return tuple(parts)


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(data: bytes, *, max_bytes: int) -> etree._Element:
    """Parse received bytes safely: no DTD, no entities, no network, at most `max_bytes`."""
    if len(data) > max_bytes:
        raise EnvelopeInvalid(f"larger than {max_bytes} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise EnvelopeInvalid("a DTD or an entity declaration")
    try:
        root = etree.fromstring(data, parser=_safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise EnvelopeInvalid(f"not well-formed: {exc.__class__.__name__}") from exc
    if root.getroottree().docinfo.doctype:
        raise EnvelopeInvalid("a DTD")
    return root


def kind_of(root: etree._Element) -> str:
    """`request` or `response`, by the root element; EnvelopeInvalid for anything else."""
    if root.tag == SEND_MESSAGE:
        return "request"
    if root.tag == SEND_MESSAGE_RESPONSE:
        return "response"
    raise EnvelopeInvalid(f"not an envelope of {NS}: {root.tag}")


def claimed_sender(root: etree._Element) -> str:
    """The senderId an unverified envelope claims, to choose whose certificate must sign it."""
    kind = kind_of(root)
    path = "request/requestInfo" if kind == "request" else "response/responseInfo"
    return _text(root, f"{path}/sender/senderId")


def read_request(root: etree._Element) -> Request:
    """A request from a (signed and verified) `SendMessage` element, validated first."""
    validate(root)
    if root.tag != SEND_MESSAGE:
        raise EnvelopeInvalid("a SendMessage was expected")
    info = root.find("request/requestInfo")
    body = root.find("request/requestData")
    assert info is not None and body is not None  # the schema requires them
    properties = tuple((_text(p, "key"), _text(p, "value")) for p in info.iterfind("properties"))
    return Request(_header(info, "messageDate"), _parts(body), properties)


def read_response(root: etree._Element) -> Response:
    """A response from a (signed and verified) `SendMessageResponse` element, validated first."""
    validate(root)
    if root.tag != SEND_MESSAGE_RESPONSE:
        raise EnvelopeInvalid("a SendMessageResponse was expected")
    info = root.find("response/responseInfo")
    body = root.find("response/responseData")
    assert info is not None and body is not None
    return Response(
        _header(info, "responseDate"),
        status_code=_text(info, "status/code"),
        status_message=_text(info, "status/message"),
        parts=_parts(body),
    )
