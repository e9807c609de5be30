"""The register's answer for the citizen's personal cabinet: a synchronous query (the
gateway's `message_call`), serviceId `bekitu.register.attachments`, route = the register's
system id (settings.GATEWAY_REGISTER_SYSTEM_ID).

The query's part `query.xml` names the person (`iin`) and whether their children and wards
come too; the answer's part `attachments.xml` gives, per person, the current attachment
(provider, district, doctor, since when, home visits) and the history of attachments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from bekitu.gateway.contracts._xml import (
    ContractInvalid,
    day,
    parse,
    serialise,
    sub,
    text,
)

SERVICE_ID = "bekitu.register.attachments"
SCHEMA = "register-query-1.xsd"
PART_QUERY = "query.xml"
PART_ANSWER = "attachments.xml"

__all__ = [
    "PART_ANSWER",
    "PART_QUERY",
    "SERVICE_ID",
    "AttachmentsQuery",
    "ContractInvalid",
    "Current",
    "Period",
    "PersonAttachments",
    "ProviderRef",
    "build_answer",
    "build_query",
    "parse_answer",
    "parse_query",
]


@dataclass(frozen=True)
class AttachmentsQuery:
    iin: str
    include_children: bool = False


@dataclass(frozen=True)
class ProviderRef:
    bin: str
    name_kk: str
    name_ru: str


@dataclass(frozen=True)
class Current:
    provider: ProviderRef
    district: str
    doctor: str
    since: dt.date
    home_visits: bool


@dataclass(frozen=True)
class Period:
    provider: ProviderRef
    district: str
    valid_from: dt.date
    valid_to: dt.date | None
    reason: str


@dataclass(frozen=True)
class PersonAttachments:
    iin: str
    name: str
    relation: str  # self, child, ward
    current: Current | None
    history: tuple[Period, ...] = ()


def build_query(query: AttachmentsQuery) -> bytes:
    root = etree.Element("AttachmentsQuery", version="1")
    sub(root, "iin", query.iin)
    sub(root, "includeChildren", "true" if query.include_children else "false")
    return serialise(root, SCHEMA)


def parse_query(data: bytes) -> AttachmentsQuery:
    root = parse(data, SCHEMA)
    if root.tag != "AttachmentsQuery":
        raise ContractInvalid("an AttachmentsQuery was expected")
    return AttachmentsQuery(text(root, "iin"), text(root, "includeChildren") in ("true", "1"))


def _provider(parent: etree._Element, provider: ProviderRef) -> None:
    element = sub(parent, "provider")
    sub(element, "bin", provider.bin)
    sub(element, "nameKk", provider.name_kk)
    sub(element, "nameRu", provider.name_ru)


def build_answer(persons: list[PersonAttachments]) -> bytes:
    root = etree.Element("Attachments", version="1")
    for person in persons:
        element = sub(root, "person")
        sub(element, "iin", person.iin)
        sub(element, "name", person.name)
        sub(element, "relation", person.relation)
        if person.current is not None:
            current = sub(element, "current")
            _provider(current, person.current.provider)
            sub(current, "district", person.current.district)
            sub(current, "doctor", person.current.doctor)
            sub(current, "since", person.current.since.isoformat())
            sub(current, "homeVisits", "true" if person.current.home_visits else "false")
        history = sub(element, "history")
        for period in person.history:
            item = sub(history, "period")
            _provider(item, period.provider)
            sub(item, "district", period.district)
            sub(item, "from", period.valid_from.isoformat())
            if period.valid_to is not None:
                sub(item, "to", period.valid_to.isoformat())
            sub(item, "reason", period.reason)
    return serialise(root, SCHEMA)


def _read_provider(parent: etree._Element) -> ProviderRef:
    return ProviderRef(
        text(parent, "provider/bin"),
        text(parent, "provider/nameKk"),
        text(parent, "provider/nameRu"),
    )


def _required_day(parent: etree._Element, tag: str) -> dt.date:
    value = day(parent, tag)
    if value is None:
        raise ContractInvalid(f"{tag} missing")
    return value


def parse_answer(data: bytes) -> list[PersonAttachments]:
    root = parse(data, SCHEMA)
    if root.tag != "Attachments":
        raise ContractInvalid("an Attachments answer was expected")
    persons = []
    for element in root.iterfind("person"):
        current_element = element.find("current")
        current = None
        if current_element is not None:
            current = Current(
                provider=_read_provider(current_element),
                district=text(current_element, "district"),
                doctor=text(current_element, "doctor"),
                since=_required_day(current_element, "since"),
                home_visits=text(current_element, "homeVisits") in ("true", "1"),
            )
        history = tuple(
            Period(
                provider=_read_provider(item),
                district=text(item, "district"),
                valid_from=_required_day(item, "from"),
                valid_to=day(item, "to"),
                reason=text(item, "reason"),
            )
            for item in element.iterfind("history/period")
        )
        persons.append(
            PersonAttachments(
                iin=text(element, "iin"),
                name=text(element, "name"),
                relation=text(element, "relation"),
                current=current,
                history=history,
            )
        )
    return persons
