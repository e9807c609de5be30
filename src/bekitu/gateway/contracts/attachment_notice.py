"""Persons re-attached without asking (their provider closed, or their district's addresses
were redrawn), serviceId `bekitu.attachment.notice`: register -> portal, correlation id = the
re-attachment's number, one message per committed batch. The portal puts each notice into
the cabinet of the person's account, where there is one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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

SERVICE_ID = "bekitu.attachment.notice"
SCHEMA = "attachment-notice-1.xsd"
PART_NOTICE = "notice.xml"
REASONS = ("provider_closed", "districts_redrawn")

__all__ = [
    "PART_NOTICE",
    "REASONS",
    "SERVICE_ID",
    "AttachmentNotice",
    "ContractInvalid",
    "Reattached",
    "build_notice",
    "parse_notice",
]


@dataclass(frozen=True)
class Reattached:
    """One person: where they are attached now, from when, and their new talon."""

    iin: str
    provider_bin: str
    provider_name_kk: str
    provider_name_ru: str
    provider_address: str
    provider_phone: str
    district_number: int
    valid_from: dt.date
    talon_number: str
    verify_url: str


@dataclass(frozen=True)
class AttachmentNotice:
    number: str
    reason: str
    at: dt.datetime
    persons: tuple[Reattached, ...]


_FIELDS = (
    ("iin", "iin"),
    ("providerBin", "provider_bin"),
    ("providerNameKk", "provider_name_kk"),
    ("providerNameRu", "provider_name_ru"),
    ("providerAddress", "provider_address"),
    ("providerPhone", "provider_phone"),
)


def build_notice(notice: AttachmentNotice) -> bytes:
    """The notice document, validated against its schema (ContractInvalid otherwise)."""
    root = etree.Element("AttachmentNotice", version="1")
    sub(root, "number", notice.number)
    sub(root, "reason", notice.reason)
    sub(root, "at", zoned(notice.at))
    for person in notice.persons:
        element = sub(root, "person")
        for tag, name in _FIELDS:
            sub(element, tag, getattr(person, name))
        sub(element, "districtNumber", str(person.district_number))
        sub(element, "validFrom", person.valid_from.isoformat())
        sub(element, "talonNumber", person.talon_number)
        sub(element, "verifyUrl", person.verify_url)
    return serialise(root, SCHEMA)


def _person(element: etree._Element) -> Reattached:
    valid_from = day(element, "validFrom")
    assert valid_from is not None  # the schema requires it
    return Reattached(
        **{name: text(element, tag) for tag, name in _FIELDS},
        district_number=int(text(element, "districtNumber")),
        valid_from=valid_from,
        talon_number=text(element, "talonNumber"),
        verify_url=text(element, "verifyUrl"),
    )


def parse_notice(data: bytes) -> AttachmentNotice:
    """The notice from its bytes (validated against the schema; ContractInvalid otherwise)."""
    root = parse(data, SCHEMA)
    at = moment(root, "at")
    assert at is not None  # the schema requires it
    return AttachmentNotice(
        number=text(root, "number"),
        reason=text(root, "reason"),
        at=at,
        persons=tuple(_person(e) for e in root.findall("person")),
    )
