"""Helpers of the portal channel's tests: a citizen's request built and signed as the portal
and NCALayer would, and the gateway message that carries it to the provider."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from pathlib import Path

from django.utils import timezone
from lxml import etree

from bekitu.devtools.testpki import PASSWORD
from bekitu.eds.signing import sign_xml_with_p12
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.gateway.envelope import Part
from bekitu.gateway.handlers import Message

PORTAL = "egov-portal"
# A tiny PDF: the e-copies pass the desk's scan checks (type read from the content).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


_DRAWN: set[int] = set()


def request_number(n: int | None = None) -> str:
    """A portal request number; without `n` a random one not drawn before in this process
    (fifty random six-digit numbers repeat one about once in 800 runs)."""
    while n is None:
        drawn = uuid.uuid4().int % 10**6
        if drawn not in _DRAWN:
            _DRAWN.add(drawn)
            n = drawn
    return f"P-20261127-{n:06d}"


def signed_request(
    *,
    p12: Path,
    number: str,
    account_iin: str,
    recipient_iin: str,
    provider_bin: str,
    copies: Mapping[str, bytes] | None = None,
    reason: str = "choice",
    applicant_role: str = "self",
    applicant_iin: str = "",
    submitted_at: dt.datetime | None = None,
    basis: contract.Basis | None = None,
    version: str = contract.VERSION,
    power_of_attorney: contract.PowerOfAttorney | None = None,
) -> bytes:
    """The request XML the portal builds, signed whole with the citizen's key; of version 1
    (no basis) or 2 (the address as text alone) as a portal signed it before, when asked."""
    documents = tuple(
        contract.Document(code, f"{code}.pdf", hashlib.sha256(data).hexdigest(), len(data))
        for code, data in (copies or {}).items()
    )
    request = contract.AttachmentRequest(
        number=number,
        submitted_at=submitted_at or timezone.now(),
        nonce=uuid.uuid4().hex,
        account_iin=account_iin,
        recipient_iin=recipient_iin,
        provider_bin=provider_bin,
        reason=reason,
        applicant_role=applicant_role,
        applicant_iin=applicant_iin,
        power_of_attorney=power_of_attorney,
        contacts=contract.Contacts("+77010000000", "citizen@example.kz"),
        documents=documents,
        language="ru",
        basis=basis,
    )
    xml = contract.build_request(request)
    if version == "1":
        xml = as_version_1(xml)
    if version == "2":
        xml = as_version_2(xml)
    return sign_xml_with_p12(p12_path=p12, password=PASSWORD, xml=xml)


def as_version_1(xml: bytes) -> bytes:
    """A request of version 3 as version 1 wrote it: its namespace and version, no basis."""
    root = etree.fromstring(xml)
    basis = root.find(f"{{{contract.NS}}}basis")
    if basis is not None:
        root.remove(basis)
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    text = text.replace(contract.NS.encode(), contract.NS_V1.encode())
    return text.replace(b'version="3"', b'version="1"')


def as_version_2(xml: bytes) -> bytes:
    """A request of version 3 as version 2 wrote it: its namespace and version, the basis's
    address as text alone."""
    root = etree.fromstring(xml)
    dwelling = root.find(f"{{{contract.NS}}}basis/{{{contract.NS}}}dwelling")
    if dwelling is not None:
        dwelling.getparent().remove(dwelling)
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    text = text.replace(contract.NS.encode(), contract.NS_V2.encode())
    return text.replace(b'version="3"', b'version="2"')


def request_parts(signed: bytes, copies: Mapping[str, bytes] | None = None) -> list[Part]:
    parts = [Part(contract.REQUEST_PART, signed, "application/xml")]
    parts += [
        Part(contract.copy_part(code), data, "application/pdf")
        for code, data in (copies or {}).items()
    ]
    return parts


def message(
    *,
    number: str,
    provider_bin: str,
    parts: list[Part],
    message_id: str | None = None,
    sender_id: str = PORTAL,
    sent_at: dt.datetime | None = None,
) -> Message:
    """The message as the provider's handler receives it from the gateway's inbox; `sent_at`
    is its messageDate, when the sender put it in its outbox (default now)."""
    return Message(
        message_id=message_id or str(uuid.uuid4()),
        correlation_id=number,
        service_id=contract.SERVICE_ID,
        sender_id=sender_id,
        route_id=provider_bin,
        date=sent_at or timezone.now(),
        parts=tuple(parts),
    )
