"""RabbitMQ through kombu (`amqp://`): the transport for a region or the country.

Topology, under the prefix BEKITU_GATEWAY_AMQP_PREFIX (`bekitu.gateway`):
- `<prefix>` a durable direct exchange; each route has a durable queue `<prefix>.route.<id>`
  bound with the route's id, declared by whoever publishes to it first (so a message for a
  receiver that has never started waits for it), with `x-dead-letter-exchange`
  `<prefix>.dead`;
- `<prefix>.dead` a durable direct exchange and `<prefix>.dead.<id>` queues: what a receiver
  refused (a bad signature, not an envelope) is kept there, never delivered again.

Messages are persistent, published `mandatory` with publisher confirms: `publish` returns
only when the broker has the message on a queue, and raises TransportError when it nacks,
returns it (no such queue) or the connection fails. `publish_batch` publishes a relay pass's
messages on a channel of its own and then waits for their confirms together (one round trip
per batch, not per message); a message nacked, returned or unconfirmed is reported failed.
A receiver acknowledges a message only after its inbox committed it. Synchronous calls use
RabbitMQ's direct reply-to.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import amqp
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.message import Message

from bekitu.gateway.transports.base import Delivery, Outgoing, TransportError

log = logging.getLogger("bekitu.gateway")

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
_CONNECT_TIMEOUT = 5
_HEARTBEAT = 30
# How long a batch waits for the broker's confirms before counting the rest as failed.
_CONFIRM_TIMEOUT = 10.0


class RabbitTransport:
    """One connection, with a channel to publish, one to consume and one for calls. Not
    shared between threads: `get_transport()` gives each thread its own."""

    name = "amqp"

    def __init__(self, url: str, *, prefix: str = "bekitu.gateway") -> None:
        self.url = url
        self.prefix = prefix
        self.exchange = Exchange(prefix, "direct", durable=True)
        self.dead_exchange = Exchange(f"{prefix}.dead", "direct", durable=True)
        self._conn: Connection | None = None
        self._declared: set[str] = set()
        self._consumer: Consumer | None = None
        self._consuming: tuple[str, ...] = ()
        self._buffer: deque[Message] = deque()
        self._rpc: tuple[Any, Producer] | None = None
        self._batch: _Confirms | None = None
        self._answers: dict[str, bytes] = {}
        # A receiver in the calling thread, run after a call's request is published (tests
        # and benchmarks in one process); in service the receiver is another process.
        self.serve: Callable[[], object] | None = None

    # --- topology -----------------------------------------------------------------------
    def route_queue(self, route_id: str) -> Queue:
        """The durable queue of a route, dead-lettering into the route's dead queue."""
        return Queue(
            f"{self.prefix}.route.{route_id}",
            self.exchange,
            routing_key=route_id,
            durable=True,
            queue_arguments={
                "x-dead-letter-exchange": self.dead_exchange.name,
                "x-dead-letter-routing-key": route_id,
            },
        )

    def dead_queue(self, route_id: str) -> Queue:
        """The dead-letter queue of a route."""
        return Queue(
            f"{self.prefix}.dead.{route_id}", self.dead_exchange, routing_key=route_id, durable=True
        )

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = Connection(
                self.url,
                heartbeat=_HEARTBEAT,
                connect_timeout=_CONNECT_TIMEOUT,
                transport_options={"confirm_publish": True},
            )
            conn.connect()
            self._conn = conn
            channel = conn.channel()
            self._publisher = Producer(channel, exchange=self.exchange)
            # Answers go through the default exchange; kombu reads exchange="" as "the
            # producer's own", so they need a producer of their own.
            self._replier = Producer(channel)
        return self._conn

    def _declare(self, route_id: str) -> None:
        if route_id in self._declared:
            return
        channel = self._publisher.channel
        for queue in (self.dead_queue(route_id), self.route_queue(route_id)):
            queue(channel).declare()  # declares the exchange and the binding too
        self._declared.add(route_id)

    def _errors(self) -> tuple[type[BaseException], ...]:
        conn = self._conn or Connection(self.url)
        return (*conn.connection_errors, *conn.channel_errors, OSError, socket.timeout)

    def reset(self) -> None:
        """Drop the connection (and what was taken on it and not acknowledged)."""
        conn, self._conn = self._conn, None
        self._declared.clear()
        self._consumer, self._consuming, self._rpc, self._batch = None, (), None, None
        self._buffer.clear()
        if conn is not None:
            # A broken connection may fail to close; it is gone either way.
            with contextlib.suppress(Exception):
                conn.release()

    # --- publishing ---------------------------------------------------------------------
    def publish(self, *, route_id: str, body: bytes, message_id: str) -> None:
        """Publish persistently with a confirm; one reconnect if the connection went stale
        (a broker restart), then TransportError."""
        for attempt in (1, 2):
            try:
                self._connection()
                self._declare(route_id)
                self._publisher.publish(
                    body,
                    routing_key=route_id,
                    delivery_mode=2,
                    mandatory=True,
                    message_id=message_id,
                    content_type="application/xml",
                    content_encoding="binary",
                )
                return
            except self._errors() as exc:
                self.reset()
                if attempt == 2:
                    raise TransportError(f"RabbitMQ did not take the message: {exc}") from exc
                log.info("gateway.amqp.reconnect", extra={"fields": {"error": type(exc).__name__}})

    def publish_batch(self, messages: Sequence[Outgoing]) -> list[TransportError | None]:
        """Publish persistently, then wait once for the broker's confirms of them all. A
        connection that fails is dropped and the messages not yet confirmed are reported
        failed (the relay sends them again: at least once)."""
        if not messages:
            return []
        try:
            conn = self._connection()
            for route_id in {m.route_id for m in messages}:
                self._declare(route_id)
            if self._batch is None:
                self._batch = _Confirms(conn.channel())
            return self._batch.publish(conn, self.exchange.name, messages)
        except self._errors() as exc:
            self.reset()
            log.info("gateway.amqp.batch_failed", extra={"fields": {"error": type(exc).__name__}})
            return [TransportError(f"RabbitMQ did not take the message: {exc}")] * len(messages)

    # --- receiving ----------------------------------------------------------------------
    def _consume(self, route_ids: tuple[str, ...], limit: int) -> None:
        if self._consumer is not None and self._consuming == route_ids:
            return
        conn = self._connection()
        if self._consumer is not None:
            self._consumer.cancel()
        channel = conn.channel()
        # No more unacknowledged than one receive returns: what the broker pushed is all
        # handed out, and nothing waits in an idle process's buffer.
        channel.basic_qos(0, limit, False)
        for route_id in route_ids:
            self.dead_queue(route_id)(channel).declare()
        self._consumer = Consumer(
            channel,
            queues=[self.route_queue(r) for r in route_ids],
            callbacks=[self._on_message],
            accept=None,
            no_ack=False,
        )
        self._consumer.consume()
        self._consuming = route_ids

    def _on_message(self, body: Any, message: Message) -> None:
        self._buffer.append(message)

    def receive(self, *, route_ids: Sequence[str], limit: int, wait: float) -> list[Delivery]:
        """Deliveries pushed by the broker (at most `limit` unacknowledged at a time); one
        reconnect if the connection went stale (a broker restart), then TransportError."""
        try:
            return self._receive(tuple(sorted(route_ids)), limit, wait)
        except TransportError:
            log.info("gateway.amqp.reconnect", extra={"fields": {"during": "receive"}})
            return self._receive(tuple(sorted(route_ids)), limit, wait)

    def _receive(self, route_ids: tuple[str, ...], limit: int, wait: float) -> list[Delivery]:
        try:
            self._consume(route_ids, limit)
            conn = self._connection()
            conn.heartbeat_check()
            deadline = time.monotonic() + wait
            while len(self._buffer) < limit:
                # Wait for the first message (at least a moment, for what the broker is
                # already pushing); after it, take only what has arrived.
                left = deadline - time.monotonic()
                timeout = 0.001 if self._buffer else max(left, 0.05)
                try:
                    conn.drain_events(timeout=timeout)
                except TimeoutError:
                    break
        except self._errors() as exc:
            self.reset()
            raise TransportError(f"RabbitMQ connection lost: {exc}") from exc
        taken = [self._buffer.popleft() for _ in range(min(limit, len(self._buffer)))]
        return [self._delivery(m) for m in taken]

    def _delivery(self, message: Message) -> Delivery:
        properties = message.properties
        route_id = message.delivery_info.get("routing_key", "")

        def settle(how: str) -> None:
            try:
                getattr(message, how)(**({"requeue": False} if how == "reject" else {}))
            except self._errors() as exc:
                # The channel is gone: the broker gives the message back to the queue, and
                # the inbox makes the second delivery harmless.
                log.warning("gateway.amqp.settle_failed", extra={"fields": {"error": str(exc)}})
                self.reset()

        return Delivery(
            body=message.body,
            route_id=route_id,
            message_id=properties.get("message_id", "") or "",
            reply_to=properties.get("reply_to", "") or "",
            redelivered=bool(message.delivery_info.get("redelivered")),
            _ack=lambda: settle("ack"),
            _dead_letter=lambda: settle("reject"),
            _requeue=lambda: settle("requeue"),
        )

    # --- synchronous calls --------------------------------------------------------------
    def _rpc_channel(self) -> tuple[Any, Producer]:
        if self._rpc is None:
            channel = self._connection().channel()
            consumer = Consumer(
                channel,
                queues=[Queue(DIRECT_REPLY_TO, no_ack=True, no_declare=True)],
                callbacks=[self._on_answer],
                no_ack=True,
                accept=None,
            )
            consumer.consume()
            self._rpc = (consumer, Producer(channel, exchange=self.exchange))
        return self._rpc

    def _on_answer(self, body: Any, message: Message) -> None:
        self._answers[message.properties.get("correlation_id", "")] = message.body

    def call(self, *, route_id: str, body: bytes, message_id: str, timeout: float) -> bytes | None:
        """Publish with `reply_to` = direct reply-to and wait for the answer's correlation."""
        try:
            self._connection()
            self._declare(route_id)
            _, producer = self._rpc_channel()
            producer.publish(
                body,
                routing_key=route_id,
                mandatory=True,
                reply_to=DIRECT_REPLY_TO,
                correlation_id=message_id,
                message_id=message_id,
                content_type="application/xml",
                content_encoding="binary",
            )
            if self.serve is not None:
                self.serve()
            conn = self._connection()
            deadline = time.monotonic() + timeout
            while message_id not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                try:
                    conn.drain_events(timeout=left)
                except TimeoutError:
                    return None
            return self._answers.pop(message_id)
        except self._errors() as exc:
            self.reset()
            raise TransportError(f"RabbitMQ call failed: {exc}") from exc
        finally:
            self._answers.pop(message_id, None)

    def reply(self, *, reply_to: str, body: bytes, correlation_id: str) -> None:
        """Answer through the default exchange to the caller's direct reply-to address."""
        if not reply_to.startswith(DIRECT_REPLY_TO):
            raise TransportError("not a reply address")
        try:
            self._connection()
            self._replier.publish(
                body,
                routing_key=reply_to,
                correlation_id=correlation_id,
                content_type="application/xml",
                content_encoding="binary",
            )
        except self._errors() as exc:
            self.reset()
            raise TransportError(f"RabbitMQ did not take the answer: {exc}") from exc

    def close(self) -> None:
        """Close the connection; unacknowledged deliveries go back to their queues."""
        self.reset()


class _Confirms:
    """A channel in confirm mode for batches: the broker numbers what is published on it
    from 1 and acknowledges (or nacks) by number, one or all up to a number at once; a
    mandatory message it cannot route comes back (basic.return) before its ack."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        channel.confirm_select()
        self.published = 0
        self.waiting: dict[int, int] = {}  # delivery tag -> index in the batch
        self.results: list[TransportError | None] = []
        self.returned: set[str] = set()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)

    def publish(
        self, conn: Connection, exchange: str, messages: Sequence[Outgoing]
    ) -> list[TransportError | None]:
        unconfirmed = TransportError("RabbitMQ did not confirm the message in time")
        self.results = [unconfirmed] * len(messages)
        self.waiting.clear()
        self.returned.clear()
        ids: dict[int, str] = {}
        for index, m in enumerate(messages):
            message = amqp.Message(
                m.body,
                delivery_mode=2,
                message_id=m.message_id,
                content_type="application/xml",
                content_encoding="binary",
                application_headers={},
            )
            # The channel's own publish (not the one that waits for each confirm).
            self.channel._basic_publish(
                message, exchange=exchange, routing_key=m.route_id, mandatory=True
            )
            self.published += 1
            self.waiting[self.published] = index
            ids[index] = m.message_id
        deadline = time.monotonic() + _CONFIRM_TIMEOUT
        while self.waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                conn.drain_events(timeout=left)
            except TimeoutError:
                break
        for index, message_id in ids.items():
            if message_id in self.returned and self.results[index] is None:
                self.results[index] = TransportError("RabbitMQ returned the message: no queue")
        return self.results

    def _settle(self, tag: int, multiple: bool, result: TransportError | None) -> None:
        for done in [t for t in self.waiting if t == tag or (multiple and t <= tag)]:
            self.results[self.waiting.pop(done)] = result

    def _on_ack(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple, None)

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple, TransportError("RabbitMQ refused the message (nack)"))

    def _on_return(self, exc: Exception, exchange: str, routing_key: str, message: Any) -> None:
        self.returned.add(message.properties.get("message_id", ""))
