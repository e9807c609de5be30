"""Faults, on the default transport (the queue table) and on real RabbitMQ: the relay and the
receiver killed mid-delivery (100 trials each), the broker restarted, the broker losing its
messages, a message delivered twice, messages out of order, a poison message parked. Nothing
is lost, nothing is handled twice (R9.8)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from bekitu.gateway.handlers import receipt_register
from bekitu.gateway.models import InboxMessage, OutboxMessage
from bekitu.gateway.outbox import outbox_relay
from bekitu.gateway.services import message_send
from bekitu.gateway.signature import envelope_sign
from bekitu.gateway.transports.rabbitmq import RabbitTransport
from bekitu.gateway.worker import gateway_drain
from tests.gateway.conftest import (
    SERVICE,
    GatewayPki,
    Recorder,
    amqp_available,
    delete_topology,
    need_amqp,
)

ROOT = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("BEKITU_FAULT_TRIALS", "100"))


# --- the relay and the receiver killed mid-delivery -------------------------------------------
def _database_url(tmp_path: Path) -> str:
    """A URL another process can open: the PostgreSQL test database itself, or for SQLite a
    file copy of the in-memory test database (migrated, with nothing in it yet)."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "faults.sqlite3")
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{tmp_path / 'faults.sqlite3'}"


def _drive(gw: GatewayPki, tmp_path: Path, transport: str, **extra: str) -> dict[str, Any]:
    pki = gw.pki
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        "DATABASE_URL": _database_url(tmp_path),
        "BEKITU_VAR_DIR": str(tmp_path / "var"),
        "BEKITU_EDS_TRUST_DIR": str(pki.trust_dir),
        "BEKITU_EDS_CRL_DIR": str(pki.crl_dir),
        "BEKITU_EDS_PROVIDER_KEYS_DIR": str(pki.providers_dir),
        "BEKITU_GATEWAY_LEASE_SECONDS": "0",  # a killed process's lease ends at once
        "BEKITU_GATEWAY_MAX_ATTEMPTS": "1000",  # kills must not park anything
        "BEKITU_GATEWAY_RETRY_BASE_SECONDS": "0",
        "BEKITU_GATEWAY_RECEIPT_TIMEOUT_SECONDS": "3600",
        "BEKITU_GATEWAY_KICK": "false",
        "BEKITU_LOG_LEVEL": "ERROR",
    }
    command = [
        sys.executable,
        "-m",
        "tests.gateway.fault_driver",
        "--transport",
        transport,
        "--trials",
        str(TRIALS),
        "--seed",
        str(random.randrange(10**6)),
        "--portal-bin",
        gw.portal.bin,
        "--clinic-bins",
        f"{gw.clinic_a.bin},{gw.clinic_b.bin}",
        *[f"--{k.replace('_', '-')}={v}" for k, v in extra.items()],
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps({k: v for k, v in report.items() if not isinstance(v, list)}))
    return report


def _assert_nothing_lost_nothing_twice(report: dict[str, Any]) -> None:
    assert report["missing"] == []
    assert report["handled_more_than_once"] == []
    assert report["inbox_requests"] == report["sent"] == TRIALS
    assert report["inbox_not_processed"] == 0
    assert report["outbox_unconfirmed"] == 0
    # The trials did what they are for: most children died mid-way, in every way...
    assert report["killed"] >= TRIALS * 0.8, report
    assert len(report["killed_by_mode"]) == 5, report
    # ...and messages were published or received again after a kill.
    assert report["published_more_than_once"] + report["duplicates_seen"] > 0, report


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_relay_and_receiver_killed_mid_delivery_on_the_default_transport(
    gw: GatewayPki, tmp_path: Path
) -> None:
    _assert_nothing_lost_nothing_twice(_drive(gw, tmp_path, "db"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_relay_and_receiver_killed_mid_delivery_on_rabbitmq(
    gw: GatewayPki, tmp_path: Path, amqp_prefix: str
) -> None:
    report = _drive(gw, tmp_path, "amqp", amqp_prefix=amqp_prefix)
    _assert_nothing_lost_nothing_twice(report)


# --- the broker restarted, the broker losing messages ----------------------------------------
def _rabbitmqctl(*args: str) -> None:
    done = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def amqp_vhost() -> Iterator[str]:
    """A RabbitMQ virtual host of this test run only, so that closing every connection to it
    (what clients see of a broker restart) disturbs nobody else on the broker."""
    if not amqp_available() or not _can_rabbitmqctl():
        need_amqp()
        if os.environ.get("CI") == "true":
            pytest.fail("rabbitmqctl is needed to restart the test vhost in CI")
        pytest.skip("rabbitmqctl is not usable here (it needs the broker's Erlang cookie)")
    vhost = f"bekitu-test-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield vhost
    _rabbitmqctl("delete_vhost", vhost)


def _can_rabbitmqctl() -> bool:
    try:
        return (
            subprocess.run(
                ["rabbitmqctl", "-q", "list_vhosts"], capture_output=True, timeout=30
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def _send_many(gw: GatewayPki, count: int) -> list[str]:
    return [
        str(
            message_send(
                service_id=SERVICE,
                sender_id=gw.portal.system_id,
                route_id=(gw.clinic_a, gw.clinic_b)[n % 2].system_id,
                parts={"request.xml": f"<r n='{n}'/>".encode()},
            ).message_id
        )
        for n in range(count)
    ]


def _handled_once(recorder: Recorder, ids: list[str]) -> None:
    seen = [m.message_id for m in recorder.seen]
    assert sorted(seen) == sorted(ids)


@pytest.mark.django_db
def test_a_broker_restart_loses_and_duplicates_nothing(
    gw: GatewayPki, recorder: Recorder, amqp_vhost: str
) -> None:
    url = f"amqp://guest:guest@127.0.0.1:5672/{amqp_vhost}"
    prefix = f"restart-{uuid.uuid4().hex[:8]}"
    sender, receiver = RabbitTransport(url, prefix=prefix), RabbitTransport(url, prefix=prefix)
    ids = _send_many(gw, 20)
    outbox_relay(transport=sender, limit=10)
    from bekitu.gateway.inbox import inbox_receive

    inbox_receive(transport=receiver, limit=5, wait=1)  # five handled, more taken unacked
    # What clients see of a restart: the broker closes every connection; durable queues and
    # persistent messages survive it (that is RabbitMQ's part, and why they are declared so).
    _rabbitmqctl("close_all_connections", "-p", amqp_vhost, "bekitu test: broker restart")

    for _ in range(3):  # the first attempts after the restart may meet the dead connections
        gateway_drain(transport=sender)
        gateway_drain(transport=receiver)
        OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())

    _handled_once(recorder, ids)
    assert not OutboxMessage.objects.exclude(status="sent").exists()
    assert InboxMessage.objects.filter(kind="request").count() == 20
    sender.close()
    receiver.close()
    delete_topology(url, prefix, [gw.portal.system_id, gw.clinic_a.bin, gw.clinic_b.bin])


@pytest.mark.django_db
def test_messages_the_broker_lost_are_sent_again_and_handled_once(
    gw: GatewayPki, recorder: Recorder, transport: Any
) -> None:
    ids = _send_many(gw, 6)
    outbox_relay(transport=transport)
    _lose_everything_queued(transport, gw)
    gateway_drain(transport=transport)
    assert recorder.seen == []
    # No receipt came: after the receipt timeout the sender sends them again.
    OutboxMessage.objects.filter(kind="request").update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    gateway_drain(transport=transport)
    _handled_once(recorder, ids)
    assert OutboxMessage.objects.filter(kind="request", receipt_code="SCSS001").count() == 6


def _lose_everything_queued(transport: Any, gw: GatewayPki) -> None:
    routes = [gw.clinic_a.system_id, gw.clinic_b.system_id]
    if transport.name == "memory":
        transport.queues.clear()
    elif transport.name == "db":
        from bekitu.gateway.models import QueuedMessage

        QueuedMessage.objects.all().delete()
    else:
        from kombu import Connection

        with Connection(transport.url) as conn:
            channel = conn.channel()
            for route in routes:  # a queue deleted, as with a node that came back empty
                channel.queue_delete(transport.route_queue(route).name)
        transport.reset()


# --- delivered twice, out of order, poison ------------------------------------------------------
@pytest.mark.django_db
def test_every_message_delivered_twice_is_handled_once(
    gw: GatewayPki, recorder: Recorder, transport: Any
) -> None:
    ids = _send_many(gw, 8)
    outbox_relay(transport=transport)
    for row in OutboxMessage.objects.filter(kind="request"):  # and each once more
        body = envelope_sign(xml=bytes(row.envelope), signer_bin=gw.portal.bin)
        transport.publish(route_id=row.route_id, body=body, message_id=str(row.message_id))
    report = gateway_drain(transport=transport)
    assert report.received.duplicate == 8
    _handled_once(recorder, ids)


@pytest.mark.django_db
def test_messages_in_any_order_are_all_handled_once(
    gw: GatewayPki, recorder: Recorder, transport: Any
) -> None:
    ids = _send_many(gw, 12)
    rows = list(OutboxMessage.objects.filter(kind="request"))
    random.Random(3).shuffle(rows)
    for row in rows:
        body = envelope_sign(xml=bytes(row.envelope), signer_bin=gw.portal.bin)
        transport.publish(route_id=row.route_id, body=body, message_id=str(row.message_id))
    OutboxMessage.objects.filter(kind="request").update(
        status="sent",
        sent_at=timezone.now(),
        next_attempt_at=timezone.now() + dt.timedelta(hours=1),
    )
    gateway_drain(transport=transport)
    _handled_once(recorder, ids)
    assert [m.message_id for m in recorder.seen] != ids  # they did come out of order


@pytest.mark.django_db
def test_a_poison_message_is_parked_and_the_others_go_through(
    gw: GatewayPki, recorder: Recorder, transport: Any, settings: Any
) -> None:
    settings.GATEWAY_MAX_ATTEMPTS = 3
    receipts: list[Any] = []
    receipt_register(service_id=SERVICE, handler=receipts.append)
    ids = _send_many(gw, 5)
    poison = ids[2]

    def choke(message: Any) -> None:
        if message.message_id == poison:
            raise ValueError("this one can never be handled")

    recorder.effect = choke
    from bekitu.gateway.inbox import inbox_retry_due

    gateway_drain(transport=transport)
    for _ in range(3):
        InboxMessage.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
        inbox_retry_due()
    gateway_drain(transport=transport)
    _handled_once(recorder, [i for i in ids if i != poison])
    parked = InboxMessage.objects.get(status="parked")
    assert str(parked.message_id) == poison
    assert OutboxMessage.objects.get(message_id=poison).receipt_code == "ESRV002"
