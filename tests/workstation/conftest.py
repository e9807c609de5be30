"""A small world for the desk: two providers with signing keys from the test PKI, a district
covering a street, persons, and staff of each role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from bekitu.registry.models import District, Person, Provider
from bekitu.service.telephone import IdentityAnswers
from bekitu.workstation.services import staff_create
from tests.factories import (
    AttachmentFactory,
    DistrictFactory,
    LocalityFactory,
    PersonFactory,
    ProviderFactory,
    ServiceAreaFactory,
    StreetFactory,
)

PASSWORD = "desk-Pass-42"


@dataclass
class Desk:
    provider: Provider
    other: Provider
    district: District
    person: Person
    elsewhere: Person
    users: dict[str, Any]

    def client(self, who: str) -> Client:
        """A page client logged in as one of the staff, asking for English pages (tests
        read the English source texts; other languages are tested where they matter)."""
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(self.users[who])
        return client

    def api(self, who: str) -> APIClient:
        """An API client logged in as one of the staff, asking for English messages."""
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(self.users[who])
        return client


def build_desk(test_pki: Any) -> Desk:
    """Provider A (the desk's), provider B; a person living in A's area and attached
    nowhere; a person attached to B; staff: specialist, head, regional admin at A, and a
    specialist at B. The providers' BINs are those of the test PKI, so they can sign."""
    locality = LocalityFactory()
    bin_a, bin_b = (p.bin for p in test_pki.providers[:2])
    provider = ProviderFactory(bin=bin_a, locality=locality)
    other = ProviderFactory(bin=bin_b, locality=locality)
    street = StreetFactory(locality=locality)
    district = DistrictFactory(provider=provider)
    ServiceAreaFactory(district=district, street=street)
    DistrictFactory(provider=other)
    person = PersonFactory(address__street=street, birth_date=dt.date(1990, 4, 12))
    elsewhere = AttachmentFactory(provider=other, person__address__street=street).person
    users = {
        who: staff_create(username=who, password=PASSWORD, provider_bin=bin_, role=role).user
        for who, bin_, role in (
            ("specialist", bin_a, "statistics_specialist"),
            ("head", bin_a, "head"),
            ("regional", bin_a, "regional_admin"),
            ("other_specialist", bin_b, "statistics_specialist"),
        )
    }
    return Desk(provider, other, district, person, elsewhere, users)


@pytest.fixture
def desk(db: None, eds_settings: Any, test_pki: Any) -> Desk:
    """The desk's small world (see build_desk)."""
    return build_desk(test_pki)


def document_of(person: Person, **changed: str) -> dict[str, str]:
    """The intake form's fields of the identity document a person presents: what it says is
    the register's data unless `changed` says otherwise (e.g. doc_surname="Other")."""
    fields = {
        "doc_number": "N0" + person.iin[-7:],
        "doc_surname": person.surname,
        "doc_given_name": person.given_name,
        "doc_patronymic": person.patronymic,
        "doc_birth_date": person.birth_date.strftime("%d.%m.%Y"),
    }
    return {**fields, **changed}


def caller_answers(person: Person, **changed: str) -> dict[str, str]:
    """The intake form's fields of a telephone caller's answers: the register's truth about
    the person unless `changed` says otherwise."""
    address = person.address
    fields = {
        "phone_birth_date": person.birth_date.strftime("%d.%m.%Y"),
        "phone_street": address.street.name_ru if address else "",
        "phone_house": f"{address.house}{address.building}" if address else "",
    }
    return {**fields, **changed}


def caller_of(person: Person) -> IdentityAnswers:
    """A telephone caller's answers for the service's intake: the register's truth."""
    address = person.address
    return IdentityAnswers(
        birth_date=person.birth_date,
        street=address.street.name_ru if address else "",
        house=f"{address.house}{address.building}" if address else "",
    )
