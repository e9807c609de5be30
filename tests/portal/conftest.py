"""The portal's tests: a citizen of the test PKI living in the register, the SMS outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bekitu.core.sms import MemorySmsSender
from bekitu.devtools.testpki import TestPki
from bekitu.eds.signing import sign_xml_with_p12
from bekitu.portal import notifications
from bekitu.registry.models import Person
from tests.factories import (
    PersonFactory,
    PersonRelationFactory,
    ProviderFactory,
    ServiceAreaFactory,
)

PASSWORD = "Zhasyl-Alma-2026"
P12_PASSWORD = "Qwerty12"


@pytest.fixture
def sms(settings: Any) -> list[Any]:
    settings.SMS_SENDER = "bekitu.core.sms.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    return MemorySmsSender.outbox


@pytest.fixture
def provider(db: Any, eds_settings: Any, test_pki: TestPki, settings: Any, tmp_path: Any) -> Any:
    """A provider whose BIN has a key in the test PKI (it signs talons and envelopes)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return ProviderFactory(bin=test_pki.provider.bin, name_ru="ГКП «ЕМХАНА №1»")


@pytest.fixture
def area(provider: Any) -> Any:
    """The provider's GP district and the street it covers."""
    from bekitu.registry.models import District

    return ServiceAreaFactory(district__provider=provider, district__kind=District.Kind.GP)


@pytest.fixture
def citizen(db: Any, eds_settings: Any, test_pki: TestPki, area: Any) -> Person:
    """The test PKI's first person, alive in the register with a phone number, living in
    the provider's GP area."""
    person = test_pki.person
    return PersonFactory(
        iin=person.iin,
        surname="ТЕСТОВ",
        given_name="АСАН",
        birth_date=dt.date(1985, 3, 14),
        sex=Person.Sex.MALE,
        phone="+7 701 555-12-34",
        address__street=area.street,
    )


@pytest.fixture
def child(citizen: Person, provider: Any) -> Person:
    """The citizen's daughter, 8, at the same address, in the provider's paediatric area."""
    from bekitu.registry.models import District

    ServiceAreaFactory(
        district__provider=provider,
        district__kind=District.Kind.PAEDIATRIC,
        street=citizen.address.street,
    )
    kid = PersonFactory(
        birth_date=dt.date(2018, 5, 20), sex=Person.Sex.FEMALE, address=citizen.address
    )
    PersonRelationFactory(person=kid, relative=citizen, kind="parent")
    return kid


def _channel(settings: Any, test_pki: TestPki, provider: Any, url: str, prefix: str) -> Any:
    """The portal (the PKI's second organization key), the provider and the providers'
    system take part, all served here, over the transport at `url`; its `serve` answers the
    portal's synchronous queries in the calling thread."""
    from bekitu.gateway.inbox import inbox_receive
    from bekitu.gateway.services import participant_register
    from bekitu.gateway.transports import get_transport

    settings.GATEWAY_KEYS_DIR = ""
    settings.GATEWAY_TRANSPORT = url
    settings.GATEWAY_AMQP_PREFIX = prefix
    operator = test_pki.providers[1].bin
    participant_register(system_id=settings.PORTAL_SYSTEM_ID, bin=operator, local=True)
    participant_register(system_id=settings.GATEWAY_REGISTER_SYSTEM_ID, bin=operator, local=True)
    participant_register(system_id=provider.bin, bin=provider.bin, local=True)
    transport = get_transport()
    transport.serve = lambda: inbox_receive(transport=transport, wait=2)  # type: ignore[attr-defined]
    return transport


@pytest.fixture
def channel(settings: Any, test_pki: TestPki, provider: Any) -> Any:
    """The gateway between the portal and the provider in this process, over a memory
    transport."""
    url = f"memory://portal-{uuid.uuid4().hex}"
    return _channel(settings, test_pki, provider, url, settings.GATEWAY_AMQP_PREFIX)


@pytest.fixture(params=["memory", "db", "amqp"])
def any_channel(
    request: pytest.FixtureRequest, settings: Any, test_pki: TestPki, provider: Any
) -> Iterator[Any]:
    """The same gateway over each transport: memory, the queue table (the default) and real
    RabbitMQ (skipped when no broker answers, as the gateway's own RabbitMQ tests are)."""
    from tests.gateway.conftest import AMQP_URL, delete_topology, need_amqp

    if request.param != "amqp":
        url = "db://" if request.param == "db" else f"memory://portal-{uuid.uuid4().hex}"
        yield _channel(settings, test_pki, provider, url, settings.GATEWAY_AMQP_PREFIX)
        return
    need_amqp()
    prefix = f"bekitu-test-{uuid.uuid4().hex[:10]}"
    transport = _channel(settings, test_pki, provider, AMQP_URL, prefix)
    try:
        yield transport
    finally:
        transport.close()
        routes = [settings.PORTAL_SYSTEM_ID, settings.GATEWAY_REGISTER_SYSTEM_ID, provider.bin]
        delete_topology(AMQP_URL, prefix, routes)


def drain(transport: Any) -> None:
    """Relay and receive until nothing is left, making the talons' PDFs between (the
    background worker's jobs: a talon reaches the portal with its PDF)."""
    from bekitu.gateway.worker import gateway_drain
    from bekitu.talons.models import Talon
    from bekitu.talons.services import talon_pdf_make

    gateway_drain(transport=transport)
    for talon_id in Talon.objects.filter(pdf__isnull=True).values_list("pk", flat=True):
        talon_pdf_make(talon_id=talon_id)
    gateway_drain(transport=transport)


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


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statuses the citizen is notified of, in order."""
    seen: list[str] = []
    monkeypatch.setattr(
        notifications, "notify_after_commit", lambda pk, status: seen.append(status)
    )
    return seen
