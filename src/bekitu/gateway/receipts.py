"""A receipt carried by the handler's reply (R9.8).

The receiver of a request confirms it with a receipt (SCSS001), in the transaction that
stores it. When the request's handler answers the sender in that same transaction (the
provider's status message to the portal, a register's answer), the answer carries the
receipt in three properties of its envelope instead, and no receipt travels on its own: one
envelope fewer to sign, relay, verify and store for each such request.

- The receiver (`inbox._store`) owes the receipt while the handler runs (`receipt_owed`);
  `message_send` puts it on the first message of the handler's to the request's sender
  (`receipt_properties`). If the handler fails, its savepoint takes the message back, and the
  receipt is sent alone, as it is when the handler answers nobody.
- The sender of the request (`inbox._run`) reads the receipt from the answer's verified
  envelope (`receipt_carried`), notes it as it notes a receipt that came alone, and gives the
  handler the message without those properties. The receipt's sender is the answer's,
  authenticated by the envelope's signature.
- A receiver that does not know the properties ignores them; the request then goes without
  a receipt for the timeout and is sent again, and the copy is answered with a receipt alone
  (SCSS002). Nothing is lost either way.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from bekitu.gateway.envelope import STATUS_TEXT, SUCCESS, Header, Request, Response

log = logging.getLogger("bekitu.gateway")

# The properties of a receipt carried by an answer: the request's messageId, the code, the
# time the receiver stored the request.
RECEIPT_MESSAGE_ID = "gateway.receipt.messageId"
RECEIPT_CODE = "gateway.receipt.code"
RECEIPT_DATE = "gateway.receipt.date"
RECEIPT_KEYS = frozenset({RECEIPT_MESSAGE_ID, RECEIPT_CODE, RECEIPT_DATE})


@dataclass
class Owed:
    """The receipt of a request stored in this transaction; `settled` once an answer carries
    it or it is taken to go alone."""

    request: Header
    at: datetime
    settled: bool = False


_owed: contextvars.ContextVar[Owed | None] = contextvars.ContextVar(
    "bekitu_gateway_receipt_owed", default=None
)


@contextmanager
def receipt_owed(request: Header, at: datetime) -> Iterator[None]:
    """While the request's handler runs: its receipt is owed, and an answer to its sender
    may carry it."""
    token = _owed.set(Owed(request, at))
    try:
        yield
    finally:
        _owed.reset(token)


def receipt_take() -> Header | None:
    """The request whose receipt is owed and not settled, now settled by its taker (an
    answer that carries it, or a receipt alone); None when none is."""
    owed = _owed.get()
    if owed is None or owed.settled:
        return None
    owed.settled = True
    return owed.request


def receipt_properties(*, sender_id: str, route_id: str) -> tuple[tuple[str, str], ...]:
    """The properties that carry the owed receipt, for a message from the request's
    receiver to its sender; none for any other message, or when one carries it already."""
    owed = _owed.get()
    if owed is None or (sender_id, route_id) != (owed.request.route_id, owed.request.sender_id):
        return ()
    request = receipt_take()
    if request is None:
        return ()
    return (
        (RECEIPT_MESSAGE_ID, request.message_id),
        (RECEIPT_CODE, SUCCESS),
        (RECEIPT_DATE, owed.at.isoformat()),
    )


def receipt_uncarried() -> None:
    """The handler failed: its answer, and the receipt on it, were rolled back."""
    owed = _owed.get()
    if owed is not None:
        owed.settled = False


def receipt_carried(request: Request) -> Response | None:
    """The receipt an answer carries, as the Response a receipt alone would be; None when it
    carries none, or one that cannot be read (logged: the request's own timeout then has it
    sent again, and its copy answered with a receipt alone)."""
    found = {key: value for key, value in request.properties if key in RECEIPT_KEYS}
    if not found:
        return None
    h = request.header
    try:
        message_id = str(uuid.UUID(found[RECEIPT_MESSAGE_ID]))
        code = found[RECEIPT_CODE]
        at = datetime.fromisoformat(found[RECEIPT_DATE])
        if code != SUCCESS or at.tzinfo is None:
            raise ValueError(code)
    except (KeyError, ValueError):
        log.warning("gateway.receipt.unreadable", extra={"fields": {"message_id": h.message_id}})
        return None
    # The answer's header (its sender authenticated by its signature), about the request.
    header = replace(h, date=at, correlation_id=message_id)
    return Response(header, code, STATUS_TEXT[code])


def without_receipt(properties: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """A message's properties for its handler: those of a carried receipt left out."""
    return tuple((key, value) for key, value in properties if key not in RECEIPT_KEYS)
