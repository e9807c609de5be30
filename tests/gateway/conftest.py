"""The gateway's test set-up: a test PKI with three organizations (the portal's operator and
two providers), the participants, and the transports (memory, the queue table, RabbitMQ)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bekitu.devtools.testpki import PersonSpec, ProviderSpec, TestPki, build_test_pki, shared_keys

AMQP_URL = os.environ.get("BEKITU_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
PORTAL = "egov-portal"
SERVICE = "test.attachment.request"
QUERY = "test.attachment.current"


def _bin(registered: dt.date, serial: int) -> str:
    from bekitu.core.iin import make_bin

    for offset in range(20):
        value = make_bin(registered, 4, serial + offset)
        if value is not None:
            return value
    raise AssertionError("no usable BIN")


@dataclass(frozen=True)
class Org:
    system_id: str
    bin: str


@dataclass(frozen=True)
class GatewayPki:
    pki: TestPki
    portal: Org
    clinic_a: Org
    clinic_b: Org


@pytest.fixture(scope="session")
def gateway_pki(tmp_path_factory: pytest.TempPathFactory) -> GatewayPki:
    """Organization keys for the portal's operator and two providers (test PKI, built once)."""
    from bekitu.core.iin import make_iin

    head = make_iin(dt.date(1979, 5, 4), "female", 411) or make_iin(
        dt.date(1979, 5, 4), "female", 412
    )
    assert head is not None
    portal_bin, a_bin, b_bin = (
        _bin(dt.date(2004, 3, 1), 31),
        _bin(dt.date(2006, 9, 1), 41),
        _bin(dt.date(2012, 2, 1), 51),
    )
    pki = build_test_pki(
        tmp_path_factory.mktemp("gateway-pki"),
        persons=[PersonSpec(head, "САРИНА", "ӘЙГЕРІМ")],
        providers=[
            ProviderSpec(portal_bin, "АО «НИТ» (TEST)", head),
            ProviderSpec(a_bin, "ГКП «ЕМХАНА №7»", head),
            ProviderSpec(b_bin, "TOO FAMILY CLINIC", head),
        ],
        key_source=shared_keys(),
    )
    return GatewayPki(pki, Org(PORTAL, portal_bin), Org(a_bin, a_bin), Org(b_bin, b_bin))


@pytest.fixture
def gw(settings: Any, gateway_pki: GatewayPki, db: None) -> GatewayPki:
    """Settings pointing at the gateway PKI, and the three participants served here."""
    from bekitu.gateway.services import participant_register

    pki = gateway_pki.pki
    settings.EDS_TRUST_DIR = pki.trust_dir
    settings.EDS_CRL_DIR = pki.crl_dir
    settings.EDS_PROVIDER_KEYS_DIR = pki.providers_dir
    settings.EDS_OCSP_URL = ""
    settings.GATEWAY_KEYS_DIR = ""
    settings.GATEWAY_KICK = False
    for org, title in (
        (gateway_pki.portal, "portal"),
        (gateway_pki.clinic_a, "clinic A"),
        (gateway_pki.clinic_b, "clinic B"),
    ):
        participant_register(system_id=org.system_id, bin=org.bin, title=title, local=True)
    return gateway_pki


@dataclass
class Recorder:
    """A message handler that records what it was given (and can be told to fail)."""

    seen: list[Any] = field(default_factory=list)
    fail_times: int = 0
    failures: int = 0
    effect: Callable[[Any], None] | None = None

    def __call__(self, message: Any) -> None:
        if self.failures < self.fail_times:
            self.failures += 1
            raise RuntimeError("the handler failed on purpose")
        if self.effect is not None:
            self.effect(message)
        self.seen.append(message)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A handler registered for SERVICE (and unregistered after the test)."""
    from bekitu.gateway.handlers import handler_register, handler_unregister

    rec = Recorder()
    handler_register(service_id=SERVICE, handler=rec)
    yield rec
    handler_unregister(service_id=SERVICE)


def amqp_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), 2).close()
        return True
    except OSError:
        return False


def need_amqp() -> None:
    """Skip without RabbitMQ, except in CI, where it must be there (.ci/run starts it)."""
    if amqp_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("RabbitMQ is not running on 127.0.0.1:5672 (CI must start it)")
    pytest.skip("RabbitMQ is not running on 127.0.0.1:5672 (start it: rabbitmq-server -detached)")


def delete_topology(url: str, prefix: str, route_ids: list[str]) -> None:
    """Delete the queues and exchanges a test declared under its own prefix."""
    from kombu import Connection

    with Connection(url) as conn:
        channel = conn.channel()
        for route_id in route_ids:
            for kind in ("route", "dead"):
                channel.queue_delete(f"{prefix}.{kind}.{route_id}")
        for name in (prefix, f"{prefix}.dead"):
            channel.exchange_delete(name)


@pytest.fixture
def amqp_prefix(gateway_pki: GatewayPki) -> Iterator[str]:
    """A prefix of RabbitMQ names of this test only; everything under it is deleted after."""
    need_amqp()
    prefix = f"bekitu-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    routes = [gateway_pki.portal.system_id, gateway_pki.clinic_a.bin, gateway_pki.clinic_b.bin]
    delete_topology(AMQP_URL, prefix, routes)


@pytest.fixture(params=["memory", "db", "amqp"])
def transport(request: pytest.FixtureRequest, gw: GatewayPki) -> Iterator[Any]:
    """Each test using it runs over the three transports."""
    if request.param == "memory":
        from bekitu.gateway.transports.memory import MemoryTransport

        yield MemoryTransport()
    elif request.param == "db":
        from bekitu.gateway.transports.database import DatabaseTransport

        yield DatabaseTransport(poll=0.01)
    else:
        from bekitu.gateway.transports.rabbitmq import RabbitTransport

        prefix = request.getfixturevalue("amqp_prefix")
        rabbit = RabbitTransport(AMQP_URL, prefix=prefix)
        yield rabbit
        rabbit.close()


def pki_path(pki: GatewayPki, org: Org) -> Path:
    """The PKCS#12 of an organization of the gateway PKI."""
    return pki.pki.provider_p12(org.bin)
