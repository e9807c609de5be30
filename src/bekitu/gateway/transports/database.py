"""The default transport (`db://`): queues as rows of a table in the service's own database.

Nothing to install, durable (a publish is a committed row) and safe against a receiver that
dies: taking a message pushes its `available_at` forward by the lease, acknowledging deletes
it (inside the receiver's transaction that stored it, so a receiver that dies before its
commit leaves the row to be received again), so a message taken by a process that died
becomes available again when the lease ends.
On PostgreSQL receivers skip rows another holds (FOR UPDATE SKIP LOCKED); SQLite runs one
writer at a time anyway. See docs/decisions/0004-gateway-default-transport.md for why not
kombu's filesystem transport.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from bekitu.gateway.models import QueuedMessage
from bekitu.gateway.transports.base import Delivery, Outgoing, TransportError


def route_queue(route_id: str) -> str:
    """The queue of a route."""
    return f"route.{route_id}"


def dead_queue(route_id: str) -> str:
    """The dead-letter queue of a route."""
    return f"dead.{route_id}"


class DatabaseTransport:
    """Queues in the `gateway_queuedmessage` table; waiting is polling every `poll` seconds."""

    name = "db"

    def __init__(self, *, poll: float = 0.05) -> None:
        self.poll = poll
        # A receiver in the calling thread, run after a call's request is queued (tests and
        # benchmarks in one process); in service the receiver is another process.
        self.serve: Callable[[], object] | None = None

    def publish(self, *, route_id: str, body: bytes, message_id: str) -> None:
        """Insert the message as a row of the route's queue (committed when this returns,
        unless the caller holds a transaction open)."""
        self._insert(route_queue(route_id), body, message_id=message_id)

    def publish_batch(self, messages: Sequence[Outgoing]) -> list[TransportError | None]:
        """Insert the messages in one statement: all are stored, or none."""
        rows = [
            QueuedMessage(queue=route_queue(m.route_id), body=m.body, message_id=m.message_id)
            for m in messages
        ]
        try:
            with transaction.atomic():
                QueuedMessage.objects.bulk_create(rows)
        except DatabaseError as exc:
            error = TransportError(f"the queue table refused the messages: {exc}")
            return [error] * len(rows)
        return [None] * len(rows)

    def _insert(self, queue: str, body: bytes, **fields: str) -> QueuedMessage:
        try:
            return QueuedMessage.objects.create(queue=queue, body=body, **fields)
        except DatabaseError as exc:
            raise TransportError(f"the queue table refused the message: {exc}") from exc

    def receive(self, *, route_ids: Sequence[str], limit: int, wait: float) -> list[Delivery]:
        """Take up to `limit` messages of the routes, oldest first, polling up to `wait`."""
        queues = [route_queue(r) for r in route_ids]
        deadline = time.monotonic() + wait
        while True:
            taken = self._take(queues, limit)
            left = deadline - time.monotonic()
            if taken or left <= 0:
                return taken
            time.sleep(min(self.poll, left))

    def _take(self, queues: list[str], limit: int) -> list[Delivery]:
        now = timezone.now()
        lease = now + timedelta(seconds=settings.GATEWAY_LEASE_SECONDS)
        with transaction.atomic():
            rows = list(
                QueuedMessage.objects.select_for_update(skip_locked=True)
                .filter(queue__in=queues, available_at__lte=now)
                .order_by("id")[:limit]
            )
            if rows:
                QueuedMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                    available_at=lease, deliveries=F("deliveries") + 1
                )
        return [self._delivery(row) for row in rows]

    def _delivery(self, row: QueuedMessage) -> Delivery:
        pk, route_id = row.pk, row.queue.removeprefix("route.")

        def ack() -> None:
            QueuedMessage.objects.filter(pk=pk).delete()

        def dead_letter() -> None:
            QueuedMessage.objects.filter(pk=pk).update(queue=dead_queue(route_id))

        def requeue() -> None:
            QueuedMessage.objects.filter(pk=pk).update(available_at=timezone.now())

        return Delivery(
            body=bytes(row.body),
            route_id=route_id,
            message_id=row.message_id,
            reply_to=row.reply_to,
            redelivered=row.deliveries > 0,
            ack_in_transaction=True,
            _ack=ack,
            _dead_letter=dead_letter,
            _requeue=requeue,
        )

    def call(self, *, route_id: str, body: bytes, message_id: str, timeout: float) -> bytes | None:
        """Queue the request with a reply queue of its own and poll that queue for the answer.
        A request nobody took before the timeout is withdrawn."""
        reply_to = f"reply.{uuid.uuid4()}"
        request = self._insert(
            route_queue(route_id), body, message_id=message_id, reply_to=reply_to
        )
        if self.serve is not None:
            self.serve()
        deadline = time.monotonic() + timeout
        while True:
            answer = QueuedMessage.objects.filter(queue=reply_to).order_by("id").first()
            if answer is not None:
                QueuedMessage.objects.filter(queue=reply_to).delete()
                return bytes(answer.body)
            left = deadline - time.monotonic()
            if left <= 0:
                QueuedMessage.objects.filter(pk=request.pk, deliveries=0).delete()
                return None
            time.sleep(min(self.poll, left))

    def reply(self, *, reply_to: str, body: bytes, correlation_id: str) -> None:
        """Insert the answer into the caller's reply queue."""
        if not reply_to.startswith("reply."):
            # Only a reply queue: a forged address must not put an answer on a route.
            raise TransportError("not a reply address")
        self._insert(reply_to, body, correlation_id=correlation_id)

    def close(self) -> None:
        """Nothing to close: a delivery not acknowledged comes back when its lease ends."""
        return None
