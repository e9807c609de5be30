"""The gateway's background work in one place: relay the outbox, receive, retry handlers.

The Celery tasks (tasks.py) run one pass each; `bekitu gateway run` loops over passes for low
latency (waiting on the broker, or polling the queue table, between them).
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass, field
from types import FrameType

from bekitu.gateway.inbox import ReceiveReport, inbox_receive, inbox_retry_due
from bekitu.gateway.outbox import RelayReport, outbox_relay
from bekitu.gateway.transports import Transport, TransportError, get_transport

log = logging.getLogger("bekitu.gateway")


@dataclass
class PassReport:
    """What one pass did: relayed, received, retried."""

    relayed: RelayReport = field(default_factory=RelayReport)
    received: ReceiveReport = field(default_factory=ReceiveReport)
    retried: ReceiveReport = field(default_factory=ReceiveReport)

    @property
    def busy(self) -> bool:
        """Whether the pass found anything to do."""
        return bool(self.relayed.taken or self.received.taken or self.retried.taken)


def gateway_pass(
    *, transport: Transport | None = None, limit: int = 100, wait: float = 0.0
) -> PassReport:
    """One pass: relay what is due, receive what has arrived (waiting up to `wait`), run the
    handlers whose retry is due."""
    transport = transport or get_transport()
    report = PassReport()
    report.relayed = outbox_relay(transport=transport, limit=limit)
    report.received = inbox_receive(transport=transport, limit=limit, wait=wait)
    report.retried = inbox_retry_due(limit=limit)
    return report


def gateway_drain(*, transport: Transport | None = None, passes: int = 50) -> PassReport:
    """Passes until one finds nothing to do (tests, the demo): what is due now is delivered
    and handled, replies included. Returns the totals."""
    total = PassReport()
    for _ in range(passes):
        report = gateway_pass(transport=transport)
        for name in ("relayed", "received", "retried"):
            mine, theirs = getattr(total, name), getattr(report, name)
            for key, value in vars(theirs).items():
                setattr(mine, key, getattr(mine, key) + value)
        if not report.busy:
            break
    return total


class _Stop:
    def __init__(self) -> None:
        self.stopped = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.stopped = True


def gateway_run(*, wait: float = 0.5, limit: int = 100) -> None:
    """Loop until SIGTERM/SIGINT: each pass waits up to `wait` seconds for a message. A
    transport or database failure is logged and retried after a pause, never fatal."""
    stop = _Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("gateway.run.start", extra={"fields": {"wait": wait}})
    while not stop.stopped:
        try:
            gateway_pass(limit=limit, wait=wait)
        except TransportError as exc:
            log.warning("gateway.run.transport_down", extra={"fields": {"error": str(exc)}})
            time.sleep(min(5.0, wait * 4 or 1.0))
        except Exception:
            log.exception("gateway.run.failed")
            time.sleep(min(5.0, wait * 4 or 1.0))
    get_transport().close()
    log.info("gateway.run.stop")
