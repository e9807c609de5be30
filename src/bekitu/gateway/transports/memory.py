"""A transport in memory, for fast tests: one process, nothing durable.

Beside the port it lets a test break things on purpose: `fail_next(n)` makes the next n
publishes fail, `recover()` gives back every delivery not acknowledged (as a broker does when a
receiver's connection dies), `serve` answers synchronous calls in the calling thread.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bekitu.gateway.transports.base import Delivery, Outgoing, TransportError

_KEYS = itertools.count(1)


@dataclass
class _Message:
    body: bytes
    route_id: str
    message_id: str
    reply_to: str = ""
    deliveries: int = 0
    key: int = field(default_factory=lambda: next(_KEYS))


class MemoryTransport:
    """Queues in dictionaries; `published` lists every message ever put on a queue."""

    name = "memory"

    def __init__(self) -> None:
        self.queues: dict[str, deque[_Message]] = {}
        self.dead: dict[str, list[bytes]] = {}
        self.replies: dict[str, bytes] = {}
        self.unacked: dict[int, _Message] = {}
        self.published: list[tuple[str, str]] = []
        self.serve: Callable[[], object] | None = None
        self._failures = 0
        self._lock = threading.RLock()

    def fail_next(self, count: int = 1) -> None:
        """Make the next `count` publishes raise TransportError (a broker that is down)."""
        self._failures = count

    def recover(self) -> None:
        """Give back every delivery that was taken and not acknowledged."""
        with self._lock:
            for message in sorted(self.unacked.values(), key=lambda m: m.key, reverse=True):
                self.queues.setdefault(message.route_id, deque()).appendleft(message)
            self.unacked.clear()

    def depth(self, route_id: str) -> int:
        """Messages waiting on a route's queue."""
        return len(self.queues.get(route_id, ()))

    def publish(self, *, route_id: str, body: bytes, message_id: str) -> None:
        """Append to the route's queue (or fail, when told to)."""
        self._put(_Message(body, route_id, message_id))

    def publish_batch(self, messages: Sequence[Outgoing]) -> list[TransportError | None]:
        """Publish each through `publish` (so a failure told or overridden is the one
        message's)."""
        results: list[TransportError | None] = []
        for m in messages:
            try:
                self.publish(route_id=m.route_id, body=m.body, message_id=m.message_id)
            except TransportError as exc:
                results.append(exc)
            else:
                results.append(None)
        return results

    def _put(self, message: _Message) -> None:
        with self._lock:
            if self._failures > 0:
                self._failures -= 1
                raise TransportError("the memory transport was told to fail")
            self.queues.setdefault(message.route_id, deque()).append(message)
            self.published.append((message.route_id, message.message_id))

    def receive(self, *, route_ids: Sequence[str], limit: int, wait: float) -> list[Delivery]:
        """Take messages in order from the routes' queues (no waiting: one thread)."""
        taken: list[Delivery] = []
        with self._lock:
            for route_id in route_ids:
                queue = self.queues.get(route_id)
                while queue and len(taken) < limit:
                    taken.append(self._deliver(queue.popleft()))
        return taken

    def _deliver(self, message: _Message) -> Delivery:
        message.deliveries += 1
        self.unacked[message.key] = message

        def ack() -> None:
            with self._lock:
                self.unacked.pop(message.key, None)

        def dead_letter() -> None:
            with self._lock:
                if self.unacked.pop(message.key, None) is not None:
                    self.dead.setdefault(message.route_id, []).append(message.body)

        def requeue() -> None:
            with self._lock:
                if self.unacked.pop(message.key, None) is not None:
                    self.queues.setdefault(message.route_id, deque()).appendleft(message)

        return Delivery(
            body=message.body,
            route_id=message.route_id,
            message_id=message.message_id,
            reply_to=message.reply_to,
            redelivered=message.deliveries > 1,
            _ack=ack,
            _dead_letter=dead_letter,
            _requeue=requeue,
        )

    def call(self, *, route_id: str, body: bytes, message_id: str, timeout: float) -> bytes | None:
        """Queue the request with a reply address, let `serve` answer it, take the answer."""
        reply_to = f"reply.{uuid.uuid4()}"
        self._put(_Message(body, route_id, message_id, reply_to=reply_to))
        if self.serve is not None:
            self.serve()
        with self._lock:
            return self.replies.pop(reply_to, None)

    def reply(self, *, reply_to: str, body: bytes, correlation_id: str) -> None:
        """Keep the answer for the caller waiting at `reply_to`."""
        with self._lock:
            self.replies[reply_to] = body

    def close(self) -> None:
        """Nothing to close; deliveries not acknowledged are given back."""
        self.recover()
