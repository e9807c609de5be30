"""The portal's tests: a citizen of the test PKI living in the register, the SMS outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bekitu.core.sms import MemorySmsSender
from bekitu.devtools.testpki import TestPki
from bekitu.eds.signing import sign_xml_with_p12
from bekitu.registry.models import Person
from tests.factories import PersonFactory

PASSWORD = "Zhasyl-Alma-2026"
P12_PASSWORD = "Qwerty12"


@pytest.fixture
def sms(settings: Any) -> list[Any]:
    settings.SMS_SENDER = "bekitu.core.sms.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    return MemorySmsSender.outbox


@pytest.fixture
def citizen(db: Any, eds_settings: Any, test_pki: TestPki) -> Person:
    """The test PKI's first person, alive in the register with a phone number."""
    person = test_pki.person
    return PersonFactory(
        iin=person.iin,
        surname="ТЕСТОВ",
        given_name="АСАН",
        birth_date=dt.date(1985, 3, 14),
        sex=Person.Sex.MALE,
        phone="+7 701 555-12-34",
    )


def sign_auth(test_pki: TestPki, iin: str, xml: str) -> str:
    """The challenge signed with the person's authentication key (as NCALayer would)."""
    data = sign_xml_with_p12(
        p12_path=test_pki.person_auth_p12(iin), password=P12_PASSWORD, xml=xml.encode()
    )
    return data.decode()


def sign_with(test_pki: TestPki, iin: str, xml: str) -> str:
    """Signed with the person's signing key (not for authentication)."""
    data = sign_xml_with_p12(
        p12_path=test_pki.person_sign_p12(iin), password=P12_PASSWORD, xml=xml.encode()
    )
    return data.decode()
