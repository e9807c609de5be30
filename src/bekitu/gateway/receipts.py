"""A receipt carried by the handler's reply (R9.8).

The receiver of a request confirms it with a receipt (SCSS001), in the transaction that
stores it. When the request's handler answers the sender in that same transaction (the
provider's status message to the portal, a register's answer), the answer carries the
receipt in three properties of its envelope instead, and no receipt travels on its own: one
envelope fewer to sign, relay, verify and store for each such request.

- The receiver (`inbox._store`) owes the receipt while the handler runs (`receipt_owed`);
  `message_send` puts it on the first message of the handler's to the request's sender
  (`receipt_properties`), and it is settled once that message is in the outbox
  (`receipt_carried_by`). If the handler fails, its savepoint takes the message back, and the
  receipt is sent alone, as it is when the handler answers nobody. So it is when the handler
  goes on after a savepoint of its own, opened deeper, took the message back
  (`receipt_carrier_to_check`: the carrier is looked for once the handler is done).
- The sender of the request (`inbox._run`) reads the receipt from the answer's verified
  envelope (`receipt_carried`), notes it as it notes a receipt that came alone, and gives the
  handler the message without those properties. The receipt's sender is the answer's,
  authenticated by the envelope's signature.
- A receiver that does not know the properties ignores them; the request then goes without
  a receipt for the timeout and is sent again, and the copy is answered with a receipt alone
  (SCSS002). Nothing is lost either way.

Receipts that go alone, several due at once from one receiver to one sender (the portal
confirming a run of providers' status messages), go in one envelope: the relay encloses the
others in the first (`receipts_together`), each as the unsigned receipt envelope the outbox
holds, and the sender reads them all out of the one it verified (`receipts_enclosed`). One
signature, one transport message, one inbox row for the run, instead of one for each.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import connection

from bekitu.gateway import envelope
from bekitu.gateway.envelope import STATUS_TEXT, SUCCESS, Header, Part, Request, Response

log = logging.getLogger("bekitu.gateway")

# The properties of a receipt carried by an answer: the request's messageId, the code, the
# time the receiver stored the request.
RECEIPT_MESSAGE_ID = "gateway.receipt.messageId"
RECEIPT_CODE = "gateway.receipt.code"
RECEIPT_DATE = "gateway.receipt.date"
RECEIPT_KEYS = frozenset({RECEIPT_MESSAGE_ID, RECEIPT_CODE, RECEIPT_DATE})
# A receipt enclosed in another's envelope: its part's name (`gateway.receipt.1`, `.2`, ...:
# a part's name is unique in an envelope). An envelope holds its own receipt and as many
# enclosed as the schema allows parts (64).
ENCLOSED_RECEIPT = "gateway.receipt."
RECEIPTS_PER_ENVELOPE = 1 + 64
# The namespace of the messageId of receipts together (a UUID 5 of theirs).
_TOGETHER = uuid.UUID("6f2b8a4e-1d3c-5e7f-9a0b-2c4d6e8f0a1b")


@dataclass
class Owed:
    """The receipt of a request stored in this transaction; `settled` once an answer carries
    it (`carrier`, the answer's outbox row, written `carrier_depth` savepoints deep) or it is
    taken to go alone. `depth`: the savepoints open when the receipt became owed."""

    request: Header
    at: datetime
    depth: int = 0
    settled: bool = False
    carrier: int | None = None
    carrier_depth: int = 0


def _savepoints() -> int:
    """The savepoints open on the connection (atomic blocks without one not counted)."""
    return sum(1 for sid in connection.savepoint_ids if sid)


_owed: contextvars.ContextVar[Owed | None] = contextvars.ContextVar(
    "bekitu_gateway_receipt_owed", default=None
)


@contextmanager
def receipt_owed(request: Header, at: datetime) -> Iterator[None]:
    """While the request's handler runs: its receipt is owed, and an answer to its sender
    may carry it."""
    token = _owed.set(Owed(request, at, depth=_savepoints()))
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
    receiver to its sender; none for any other message, or when one carries it already. The
    receipt is settled only when the message is written (`receipt_carried_by`): an answer
    that cannot be built leaves it owed."""
    owed = _owed.get()
    if owed is None or owed.settled:
        return ()
    if (sender_id, route_id) != (owed.request.route_id, owed.request.sender_id):
        return ()
    return (
        (RECEIPT_MESSAGE_ID, owed.request.message_id),
        (RECEIPT_CODE, SUCCESS),
        (RECEIPT_DATE, owed.at.isoformat()),
    )


def receipt_carried_by(outbox_id: int, properties: tuple[tuple[str, str], ...]) -> None:
    """The answer with these properties (`receipt_properties`) is in the outbox, row
    `outbox_id`: the receipt is settled, on it."""
    owed = _owed.get()
    if owed is None or owed.settled or not any(k == RECEIPT_MESSAGE_ID for k, _ in properties):
        return
    owed.settled, owed.carrier, owed.carrier_depth = True, outbox_id, _savepoints()


def receipt_carrier_to_check() -> int | None:
    """The outbox row of the answer that carries the receipt, when a savepoint the handler
    opened inside its own (the receiver's `inbox._run` gives it one) could have taken it back
    while the handler went on: the receiver looks for it, and sends the receipt alone if it
    is gone. None when the answer was written in the handler's own savepoint, whose rollback
    is the handler's failure (`receipt_uncarried`)."""
    owed = _owed.get()
    if owed is None or owed.carrier is None or owed.carrier_depth <= owed.depth + 1:
        return None
    return owed.carrier


def receipt_uncarried() -> None:
    """The handler failed, or the answer that carried the receipt was taken back: the
    receipt is owed again."""
    owed = _owed.get()
    if owed is not None:
        owed.settled, owed.carrier = False, None


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


def _response(xml: bytes) -> Response:
    """A receipt's unsigned envelope, read (EnvelopeInvalid if it is none)."""
    return envelope.read_response(envelope.parse(xml, max_bytes=len(xml)))


def receipts_together(receipts: Sequence[tuple[str, bytes]]) -> tuple[str, bytes]:
    """One envelope for receipts that go alone from one receiver to one sender, given as the
    outbox holds them (messageId, unsigned envelope): the first, with the others enclosed as
    parts; and its messageId. The id is derived from the receipts' own, so that the same
    receipts sent again (a relay that stopped before marking them sent) are the same message
    to the receiver's inbox, and a different run of them (some sent, some new) is a different
    one: none is dropped as a copy of a message that did not hold it."""
    (_, xml), *others = receipts
    first = _response(xml)
    message_id = str(uuid.uuid5(_TOGETHER, ",".join(m for m, _ in receipts)))
    enclosed = tuple(
        Part(f"{ENCLOSED_RECEIPT}{n}", x, "application/xml") for n, (_, x) in enumerate(others, 1)
    )
    together = replace(first, header=replace(first.header, message_id=message_id), parts=enclosed)
    return message_id, envelope.build_response(together)


def receipts_enclosed(response: Response) -> list[Response]:
    """The receipts a verified response carries: its own, then each it encloses
    (`receipts_together`). An enclosed receipt must be from the envelope's sender to its route,
    whose signature covers it; one that is not, or cannot be read, is left out (logged: the
    request it confirms is sent again after its timeout, and its copy confirmed alone)."""
    found = [response]
    outer = response.header
    for part in response.parts:
        if not part.name.startswith(ENCLOSED_RECEIPT):
            continue
        try:
            receipt = _response(part.content)
            h = receipt.header
            if (h.sender_id, h.route_id) != (outer.sender_id, outer.route_id):
                raise envelope.EnvelopeInvalid("from another sender or to another route")
        except envelope.EnvelopeInvalid as exc:
            fields = {"message_id": outer.message_id, "error": str(exc)[:200]}
            log.warning("gateway.receipt.enclosed_unreadable", extra={"fields": fields})
            continue
        found.append(receipt)
    return found
