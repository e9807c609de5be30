"""The transport port: how envelopes travel between participants (R9.8).

A transport moves bytes; it neither signs, verifies nor reads envelopes. It keeps one durable
queue per route (a participant's id), a dead-letter queue beside each, and carries synchronous
calls (a request with a reply address, answered once). `publish` returns only when the
message is durably stored (a broker's confirm, a committed row), else raises TransportError;
`publish_batch` publishes several and waits for their confirms once, saying of each whether
it is stored.
A delivery stays the receiver's until it is acknowledged; a receiver that dies holding it
gives it back (the broker's redelivery, the queue table's lease): delivery is at least once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class TransportError(Exception):
    """The transport could not take the message (no broker, no confirm, a closed channel)."""


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Outgoing:
    """A message to publish in a batch."""

    route_id: str
    body: bytes = field(repr=False)
    message_id: str


@dataclass
class Delivery:
    """One message taken from a route's queue. Exactly one of ack, dead_letter or requeue
    should follow; none at all (the receiver died) means the transport delivers it again."""

    body: bytes = field(repr=False)
    route_id: str
    message_id: str = ""
    reply_to: str = ""
    redelivered: bool = False
    # Acknowledging is a write to the service's own database (the queue table): done inside
    # the delivery's transaction, it commits with what the delivery led to, or not at all.
    ack_in_transaction: bool = False
    _ack: Callable[[], None] = field(default=_nothing, repr=False)
    _dead_letter: Callable[[], None] = field(default=_nothing, repr=False)
    _requeue: Callable[[], None] = field(default=_nothing, repr=False)

    def ack(self) -> None:
        """Done with it: the transport forgets the message."""
        self._ack()

    def dead_letter(self) -> None:
        """Refused: move it to the route's dead-letter queue, never deliver it again."""
        self._dead_letter()

    def requeue(self) -> None:
        """Not processed: give it back to the queue to be delivered again."""
        self._requeue()


class Transport(Protocol):
    """What the gateway needs from a transport."""

    name: str

    def publish(self, *, route_id: str, body: bytes, message_id: str) -> None:
        """Put a message durably on the route's queue, or raise TransportError."""
        ...

    def publish_batch(self, messages: Sequence[Outgoing]) -> list[TransportError | None]:
        """Publish the messages, then wait for their confirms (once, not per message): the
        i-th result is None when the i-th message is durably stored, else why not."""
        ...

    def receive(self, *, route_ids: Sequence[str], limit: int, wait: float) -> list[Delivery]:
        """Take up to `limit` messages from the routes' queues, waiting up to `wait` seconds
        for the first one."""
        ...

    def call(self, *, route_id: str, body: bytes, message_id: str, timeout: float) -> bytes | None:
        """Send a synchronous request and wait for its answer; None when none came in time."""
        ...

    def reply(self, *, reply_to: str, body: bytes, correlation_id: str) -> None:
        """Answer a synchronous request at the reply address its delivery named."""
        ...

    def close(self) -> None:
        """Let go of connections (deliveries not acknowledged are given back)."""
        ...
