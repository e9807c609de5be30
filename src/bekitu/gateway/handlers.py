"""The handler registry: which code processes a message, by its serviceId (R9.8–R9.12).

The portal and the provider's side register their handlers in their AppConfig.ready:

    handler_register(service_id="bekitu.attachment.request", handler=on_request)
    query_register(service_id="bekitu.attachment.current", handler=answer_current)
    receipt_register(service_id="bekitu.attachment.request", handler=on_receipt)
    undelivered_register(service_id="bekitu.attachment.request", handler=on_undelivered)

A message handler runs in the inbox's transaction (its writes and the inbox row commit or roll
back together) and may send replies with `services.message_send`. A query handler answers a
synchronous call with the parts of its answer. A receipt handler runs on the sender's side when
the receiver reports that a message was received (SCSS001), parked there (ESRV002) or
discarded there by its operator (ESRV004). An undelivered handler runs on the sender's side
when its own outbox gives a request up: parked after the last attempt, or discarded by an
operator; in the transaction that parks or discards it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured

from bekitu.gateway.envelope import Part


@dataclass(frozen=True)
class Message:
    """A received message, as a handler sees it: verified, read from the signed envelope."""

    message_id: str
    correlation_id: str
    service_id: str
    sender_id: str
    route_id: str
    date: datetime
    parts: tuple[Part, ...]
    properties: tuple[tuple[str, str], ...] = ()

    def part(self, name: str) -> bytes:
        """The content of the part called `name` (KeyError if there is none)."""
        for part in self.parts:
            if part.name == name:
                return part.content
        raise KeyError(name)

    def property(self, key: str, default: str = "") -> str:
        """The value of a property of the envelope's requestInfo."""
        return next((v for k, v in self.properties if k == key), default)


@dataclass(frozen=True)
class Receipt:
    """The receiver's word on a message this side sent (found by `message_id`)."""

    message_id: str
    correlation_id: str
    service_id: str
    route_id: str
    status_code: str
    status_message: str
    at: datetime
    # The receipt came on the receiver's answer (`receipts`): the answer's handler runs next,
    # in the same savepoint, and may record what the receipt would tell with what it tells.
    on_answer: bool = False

    @property
    def ok(self) -> bool:
        """The receiver has the message (it is processed or being retried there)."""
        return self.status_code.startswith("SCSS")


PARKED, DISCARDED = "parked", "discarded"


@dataclass(frozen=True)
class Undelivered:
    """A request this side sent that its outbox gave up on: `parked` after the last attempt
    (an operator may still replay it) or `discarded` by an operator (never sent again)."""

    message_id: str
    correlation_id: str
    service_id: str
    route_id: str
    outcome: str  # PARKED or DISCARDED
    reason: str  # the last error, for operators and logs (not for a citizen)
    at: datetime

    @property
    def final(self) -> bool:
        """It will never be sent: an operator discarded it."""
        return self.outcome == DISCARDED


MessageHandler = Callable[[Message], None]
QueryHandler = Callable[[Message], "Iterable[Part] | Mapping[str, bytes]"]
ReceiptHandler = Callable[[Receipt], None]
UndeliveredHandler = Callable[[Undelivered], None]


class _Registry:
    def __init__(self, what: str) -> None:
        self.what = what
        self.entries: dict[str, Callable[..., object]] = {}

    def add(self, service_id: str, handler: Callable[..., object]) -> None:
        current = self.entries.get(service_id)
        if current is not None and current is not handler:
            raise ImproperlyConfigured(f"a {self.what} for {service_id} is already registered")
        self.entries[service_id] = handler

    def remove(self, service_id: str) -> None:
        self.entries.pop(service_id, None)


_MESSAGES = _Registry("message handler")
_QUERIES = _Registry("query handler")
_RECEIPTS = _Registry("receipt handler")
_UNDELIVERED = _Registry("undelivered handler")


def handler_register(*, service_id: str, handler: MessageHandler) -> None:
    """Process incoming messages of `service_id` with `handler` (once per serviceId)."""
    _MESSAGES.add(service_id, handler)


def query_register(*, service_id: str, handler: QueryHandler) -> None:
    """Answer synchronous queries of `service_id` with `handler`."""
    _QUERIES.add(service_id, handler)


def receipt_register(*, service_id: str, handler: ReceiptHandler) -> None:
    """Tell `handler` what the receiver said of messages of `service_id` this side sent."""
    _RECEIPTS.add(service_id, handler)


def undelivered_register(*, service_id: str, handler: UndeliveredHandler) -> None:
    """Tell `handler` when this side's outbox parks or an operator discards a request of
    `service_id` it sent (in that transaction)."""
    _UNDELIVERED.add(service_id, handler)


def handler_unregister(*, service_id: str) -> None:
    """Forget the handlers of `service_id` of every kind (tests, reloading plug-ins)."""
    for registry in (_MESSAGES, _QUERIES, _RECEIPTS, _UNDELIVERED):
        registry.remove(service_id)


def message_handler(service_id: str) -> MessageHandler | None:
    """The handler of incoming messages of `service_id`, if one is registered."""
    return _MESSAGES.entries.get(service_id)  # type: ignore[return-value]


def query_handler(service_id: str) -> QueryHandler | None:
    """The handler of synchronous queries of `service_id`, if one is registered."""
    return _QUERIES.entries.get(service_id)  # type: ignore[return-value]


def receipt_handler(service_id: str) -> ReceiptHandler | None:
    """The receipt handler of `service_id`, if one is registered."""
    return _RECEIPTS.entries.get(service_id)  # type: ignore[return-value]


def undelivered_handler(service_id: str) -> UndeliveredHandler | None:
    """The undelivered handler of `service_id`, if one is registered."""
    return _UNDELIVERED.entries.get(service_id)  # type: ignore[return-value]
