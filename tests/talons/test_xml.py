"""The talon e-document: built from plain values, checked against its schema, read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from bekitu.talons.xml import (
    NAMESPACE,
    SCHEMA_PATH,
    TalonContent,
    TalonSchemaError,
    build_talon_xml,
    talon_identity,
    validate_talon_xml,
)

NS = {"t": NAMESPACE}


def content(**changes: object) -> TalonContent:
    """A talon's values; pass keyword arguments to change some."""
    base = TalonContent(
        number="T-050340001234-2026-000123",
        issued_at=dt.datetime(2026, 11, 26, 10, 15, 30, tzinfo=ZoneInfo("Asia/Almaty")),
        code="7K3M9Q2XWD",
        verification_url="https://bekitu.example.kz/verify/7K3M9Q2XWD",
        application_number="A-2026-000451",
        channel="desk",
        person_iin="900515300123",
        surname="Нұрланова",
        given_name="Әсел",
        patronymic="Серікқызы",
        birth_date=dt.date(1990, 5, 15),
        provider_bin="050340001234",
        provider_name_kk="«№3 қалалық емхана» ШЖҚ МКК",
        provider_name_ru="КГП на ПХВ «Городская поликлиника №3»",
        provider_address="Өскемен қ., Қазақстан көшесі, 85",
        provider_phone="+7 7232 25-14-08",
        district_number=12,
        district_kind="therapist",
        doctor_name="Қасымова Гүлнар Бекқызы",
        doctor_specialty="therapist",
        effective_date=dt.date(2027, 1, 1),
        home_visits=False,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_built_talon_follows_its_schema_and_says_every_field() -> None:
    data = build_talon_xml(content())
    validate_talon_xml(data)
    root = etree.fromstring(data)
    assert root.get("version") == "1.1"
    assert root.findtext("t:issuedAt", namespaces=NS) == "2026-11-26T10:15:30+05:00"
    assert root.findtext("t:person/t:givenName", namespaces=NS) == "Әсел"
    assert root.findtext("t:provider/t:nameKk", namespaces=NS).startswith("«№3")
    assert root.findtext("t:district/t:number", namespaces=NS) == "12"
    assert root.findtext("t:doctor/t:specialty", namespaces=NS) == "therapist"
    assert root.findtext("t:attachment/t:effectiveDate", namespaces=NS) == "2027-01-01"
    assert root.findtext("t:attachment/t:homeVisits", namespaces=NS) == "false"
    assert root.findtext("t:application/t:channel", namespaces=NS) == "desk"


def test_talon_without_district_doctor_or_patronymic_is_valid() -> None:
    data = build_talon_xml(
        content(district_number=None, district_kind=None, doctor_name=None, patronymic="")
    )
    validate_talon_xml(data)
    root = etree.fromstring(data)
    assert root.find("t:district", namespaces=NS) is None
    assert root.find("t:person/t:patronymic", namespaces=NS) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("person_iin", "90051530012"),
        ("channel", "fax"),
        ("number", "123"),
        ("code", "ILOU000000"),
        ("surname", ""),
    ],
)
def test_schema_refuses_a_wrong_value(field: str, value: str) -> None:
    with pytest.raises(TalonSchemaError):
        validate_talon_xml(build_talon_xml(content(**{field: value})))


def test_schema_refuses_an_element_it_does_not_know() -> None:
    root = etree.fromstring(build_talon_xml(content()))
    etree.SubElement(root, f"{{{NAMESPACE}}}comment").text = "extra"
    with pytest.raises(TalonSchemaError, match="comment"):
        validate_talon_xml(etree.tostring(root))


def test_schema_refuses_what_is_not_xml() -> None:
    with pytest.raises(TalonSchemaError, match="well-formed"):
        validate_talon_xml(b"<talon")


def test_schema_file_is_versioned_with_its_namespace() -> None:
    schema = etree.parse(str(SCHEMA_PATH)).getroot()
    assert schema.get("targetNamespace") == NAMESPACE == "urn:bekitu:talon:1.1"
    assert schema.get("version") == "1.1"


def test_identity_reads_number_code_person_and_provider() -> None:
    identity = talon_identity(build_talon_xml(content()))
    assert identity is not None
    assert identity.as_tuple() == (
        "T-050340001234-2026-000123",
        "7K3M9Q2XWD",
        "900515300123",
        "050340001234",
    )


def test_identity_of_another_document_is_none() -> None:
    assert talon_identity(b"<request><number>1</number></request>") is None
    assert talon_identity(b"not xml") is None
