"""Kill the relay and the receiver mid-delivery, many times, with SIGKILL; then check that
nothing was lost and nothing handled twice. Run by tests/gateway/test_faults.py in a process of
its own (a forked pytest worker would drag its threads along):

    DATABASE_URL=... BEKITU_EDS_TRUST_DIR=... python -m tests.gateway.fault_driver \
        --transport db|amqp [--amqp-url URL --amqp-prefix P] --trials 100 --seed 1 \
        --portal-bin BIN --clinic-bins BIN,BIN

Each trial queues a message, forks a child that relays and receives, and kills it at one of
the dangerous moments: after a publish the outbox has not yet recorded, after a relay took a
message and before it published it, after the inbox committed and before the delivery was
acknowledged, inside a handler's transaction, or at a random moment. A trial costs a fork and
a few milliseconds of work. At the end a clean pass delivers what is left and the report says,
per message, how many times its handler's effect was committed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

MODES = (
    "relay_after_publish",
    "relay_before_publish",
    "receiver_after_commit",
    "receiver_in_handler",
    "random_moment",
)
SERVICE = "test.fault"
_kill_in_handler_at = 0
_handler_calls = 0


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _handler(message: Any) -> None:
    """The effect: one audit row per handling, in the inbox's transaction."""
    global _handler_calls
    from bekitu.core.audit import audit_record

    _handler_calls += 1
    audit_record(action="test.fault.handled", object_id=message.message_id)
    if _kill_in_handler_at and _handler_calls == _kill_in_handler_at:
        _die()  # inside the transaction: it rolls back, the delivery comes again


def _kill_at(n: int, real: Callable[..., Any], before: bool = False) -> Callable[..., Any]:
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if before and calls["n"] == n:
            _die()
        result = real(*args, **kwargs)
        if not before and calls["n"] == n:
            _die()
        return result

    return wrapper


def _child(mode: str, n: int, make_transport: Callable[[], Any]) -> None:
    """The forked relay/receiver: arm the kill, then work until killed."""
    global _kill_in_handler_at
    from django.db import connections

    from bekitu.gateway import inbox, outbox
    from bekitu.gateway.worker import gateway_pass

    for conn in connections.all():
        conn.connection = None  # the parent's socket: never use it, never close it here
    transport = make_transport()
    if mode == "relay_after_publish":
        transport.publish_batch = _kill_at(n, transport.publish_batch)
    elif mode == "relay_before_publish":
        outbox.envelope_sign = _kill_at(n, outbox.envelope_sign, before=True)  # type: ignore[assignment]
    elif mode == "receiver_after_commit":
        inbox._store = _kill_at(n, inbox._store)  # type: ignore[assignment]
    elif mode == "receiver_in_handler":
        _kill_in_handler_at = n
    try:
        for _ in range(20):
            gateway_pass(transport=transport, limit=10)
    finally:
        os._exit(0)  # not killed: the work ran out first


def _trial(rng: random.Random, mode: str, make_transport: Callable[[], Any]) -> bool:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        _child(mode, rng.randint(1, 2), make_transport)
    if mode == "random_moment":
        time.sleep(rng.uniform(0.0, 0.06))
        with contextlib.suppress(ProcessLookupError):  # it may have finished first
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status)


def _setup(args: argparse.Namespace) -> tuple[str, list[str]]:
    from bekitu.gateway.handlers import handler_register
    from bekitu.gateway.services import participant_register

    participant_register(system_id="egov-portal", bin=args.portal_bin, local=True)
    clinics = args.clinic_bins.split(",")
    for clinic in clinics:
        participant_register(system_id=clinic, bin=clinic, local=True)
    handler_register(service_id=SERVICE, handler=_handler)
    return "egov-portal", clinics


def _transport_factory(args: argparse.Namespace) -> Callable[[], Any]:
    if args.transport == "db":
        from bekitu.gateway.transports.database import DatabaseTransport

        return lambda: DatabaseTransport(poll=0.005)
    from bekitu.gateway.transports.rabbitmq import RabbitTransport

    return lambda: RabbitTransport(args.amqp_url, prefix=args.amqp_prefix)


def _final_drain(make_transport: Callable[[], Any]) -> int:
    """Deliver and handle what the killed children left; passes until two find nothing."""
    from bekitu.gateway.worker import gateway_pass

    transport, idle, passes = make_transport(), 0, 0
    while idle < 2 and passes < 500:
        passes += 1
        idle = 0 if gateway_pass(transport=transport, limit=100, wait=0.05).busy else idle + 1
    transport.close()
    return passes


def _report(sent: list[str], killed: Counter[str], trials: int) -> dict[str, Any]:
    from bekitu.core.models import AuditEntry
    from bekitu.gateway.models import InboxMessage, OutboxMessage

    effects = Counter(
        AuditEntry.objects.filter(action="test.fault.handled").values_list("object_id", flat=True)
    )
    inbox = set(
        str(m)
        for m in InboxMessage.objects.filter(kind="request").values_list("message_id", flat=True)
    )
    outbox = OutboxMessage.objects.filter(kind="request")
    return {
        "trials": trials,
        "killed": sum(killed.values()),
        "killed_by_mode": dict(killed),
        "sent": len(sent),
        "missing": [m for m in sent if effects[m] == 0 or m not in inbox],
        "handled_more_than_once": [m for m in sent if effects[m] > 1],
        "inbox_requests": len(inbox),
        "inbox_not_processed": InboxMessage.objects.exclude(status="processed").count(),
        "outbox_unconfirmed": outbox.exclude(status="sent", receipt_at__isnull=False).count(),
        "duplicates_seen": outbox.filter(receipt_code="SCSS002").count()
        + InboxMessage.objects.filter(kind="request", attempts__gt=1).count(),
        "published_more_than_once": outbox.filter(attempts__gt=1).count(),
    }


def _warm(portal: str, clinics: list[str]) -> None:
    """Open every key and the trust store once here, so that each forked child starts with
    them in memory (as a long-running worker has them) instead of paying for it per trial."""
    from django.utils import timezone

    from bekitu.gateway import envelope
    from bekitu.gateway.models import Participant
    from bekitu.gateway.signature import envelope_sign, envelope_verify

    for system_id in (portal, *clinics):
        header = envelope.Header(
            envelope.new_message_id(), SERVICE, system_id, portal, timezone.localtime()
        )
        xml = envelope.build_request(envelope.Request(header))
        bin_ = Participant.objects.get(system_id=system_id).bin
        envelope_verify(envelope_sign(xml=xml, signer_bin=bin_))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The trials and the check; returns the report."""
    from bekitu.gateway.services import message_send

    portal, clinics = _setup(args)
    make_transport = _transport_factory(args)
    _warm(portal, clinics)
    rng = random.Random(args.seed)
    sent: list[str] = []
    killed: Counter[str] = Counter()
    started = time.monotonic()
    for trial in range(args.trials):
        row = message_send(
            service_id=SERVICE,
            sender_id=portal,
            route_id=clinics[trial % len(clinics)],
            parts={"request.xml": f"<request n='{trial}'/>".encode()},
        )
        sent.append(str(row.message_id))
        mode = MODES[trial % len(MODES)]
        if _trial(rng, mode, make_transport):
            killed[mode] += 1
    trials_seconds = time.monotonic() - started
    passes = _final_drain(make_transport)
    report = _report(sent, killed, args.trials)
    report.update(trials_seconds=round(trials_seconds, 1), final_passes=passes)
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport", choices=["db", "amqp"], required=True)
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672//")
    parser.add_argument("--amqp-prefix", default="bekitu-fault")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--portal-bin", required=True)
    parser.add_argument("--clinic-bins", required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bekitu.settings")
    import django

    django.setup()
    sys.stdout.write(json.dumps(run(args)) + "\n")


if __name__ == "__main__":
    main()
