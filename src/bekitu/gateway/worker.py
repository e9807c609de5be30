"""The gateway's background work in one place: relay the outbox, receive, retry handlers.

The Celery tasks (tasks.py) run one pass each; `bekitu gateway run` loops over passes for low
latency (waiting on the broker, or polling the queue table, between them).
"""

from __future__ import annotations

import logging
import math
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType

from bekitu.gateway.inbox import ReceiveReport, inbox_receive, inbox_retry_due
from bekitu.gateway.outbox import RelayReport, outbox_relay
from bekitu.gateway.selectors import local_route_ids
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


# How often `gateway run` reads again which routes it receives, and looks for handlers whose
# retry is due: neither changes from one message to the next (a retry waits seconds at
# least), and reading them on every pass was most of what an idle worker asked the database.
ROUTES_EVERY = 5.0
RETRIES_EVERY = 1.0


def gateway_pass(
    *,
    transport: Transport | None = None,
    limit: int = 100,
    wait: float = 0.0,
    route_ids: Sequence[str] | None = None,
    retries: bool = True,
) -> PassReport:
    """One pass: relay what is due, receive what has arrived on `route_ids` (default: the
    local routes; waiting up to `wait`), run the handlers whose retry is due (if `retries`)."""
    transport = transport or get_transport()
    report = PassReport()
    report.relayed = outbox_relay(transport=transport, limit=limit)
    report.received = inbox_receive(
        transport=transport, route_ids=route_ids, limit=limit, wait=wait
    )
    if retries:
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


class Stop:
    """Set by SIGTERM/SIGINT (or by a caller): the loop ends after its pass."""

    def __init__(self) -> None:
        self.stopped = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.stopped = True


def gateway_run(*, wait: float = 0.5, limit: int = 100) -> None:
    """Loop until SIGTERM/SIGINT: each pass waits up to `wait` seconds for a message. A
    transport or database failure is logged and retried after a pause, never fatal."""
    stop = Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("gateway.run.start", extra={"fields": {"wait": wait}})
    passes_until(stop, wait=wait, limit=limit)
    get_transport().close()
    log.info("gateway.run.stop")


def passes_until(stop: Stop, *, wait: float, limit: int) -> None:
    """The loop of `gateway run`. A pass that found nothing to do takes `wait` seconds at
    least: with no local route there is no queue to wait on, and an idle worker would
    otherwise ask the database again at once, a core's worth of CPU for nothing."""
    routes: list[str] = []
    routes_read = retried = -math.inf
    while not stop.stopped:
        now = time.monotonic()
        retries = now - retried >= RETRIES_EVERY
        try:
            if now - routes_read >= ROUTES_EVERY:
                routes, routes_read = local_route_ids(), now
            report = gateway_pass(limit=limit, wait=wait, route_ids=routes, retries=retries)
            retried = now if retries else retried
        except TransportError as exc:
            log.warning("gateway.run.transport_down", extra={"fields": {"error": str(exc)}})
            time.sleep(min(5.0, wait * 4 or 1.0))
            continue
        except Exception:
            log.exception("gateway.run.failed")
            time.sleep(min(5.0, wait * 4 or 1.0))
            continue
        idle = wait - (time.monotonic() - now)
        if not report.busy and idle > 0:
            time.sleep(idle)
