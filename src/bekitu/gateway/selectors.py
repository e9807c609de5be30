"""Reads of the gateway's tables: participants, and what an operator needs to see."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from bekitu.gateway.errors import UnknownParticipant
from bekitu.gateway.models import (
    INBOX_AT_WORK,
    OUTBOX_AT_WORK,
    InboxMessage,
    OutboxMessage,
    Participant,
)

# The participants read in the current delivery's transaction (`participants_once`): id ->
# the active participant, or None for one that is not; and the ids the first read takes too.
_Read = tuple[dict[str, Participant | None], frozenset[str]]
_read: contextvars.ContextVar[_Read | None] = contextvars.ContextVar(
    "bekitu_gateway_participants", default=None
)


@contextmanager
def participants_once(also: Iterable[str] = ()) -> Iterator[None]:
    """Read each participant once in the block (one delivery's transaction) and reuse it for
    the envelopes the block verifies and sends; the first read takes `also` with it (the
    route the delivery came on, which signs what its handler sends). The next block reads
    afresh, so a participant deactivated a moment ago is refused at once."""
    if _read.get() is not None:
        yield
        return
    token = _read.set(({}, frozenset(also)))
    try:
        yield
    finally:
        _read.reset(token)


def active_participants(system_ids: Iterable[str]) -> dict[str, Participant]:
    """The active participants among `system_ids`, by id, read afresh (a participant
    deactivated a moment ago is not among them), or within `participants_once` as read
    there. One statement written out, not built by the ORM: it runs for every envelope
    signed or received, and building the query cost several times what running it does."""
    read = _read.get()
    if read is None:
        return _select(set(system_ids))
    known, also = read
    ids = set(system_ids)
    missing = ids - known.keys()
    if missing:
        found = _select(missing | (also - known.keys()))
        known.update({i: found.get(i) for i in missing | found.keys()})
    return {i: p for i in ids if (p := known.get(i)) is not None}


def _select(ids: set[str]) -> dict[str, Participant]:
    wanted = sorted(ids)
    if not wanted:
        return {}
    meta = Participant._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
    marks = ", ".join(["%s"] * len(wanted))
    sql = (
        f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE active AND system_id IN ({marks})"
    )
    return {row.system_id: row for row in Participant.objects.raw(sql, wanted)}


def participant_get(system_id: str, *, local: bool = False) -> Participant:
    """The active participant `system_id` (a local one, served here, if `local`), or
    UnknownParticipant."""
    return _checked(system_id, active_participants([system_id]).get(system_id), local=local)


def participants_get(sender_id: str, route_id: str) -> tuple[Participant, Participant]:
    """The local active participant `sender_id` and the active participant `route_id`, read
    in one query; UnknownParticipant as `participant_get` says it, the sender's first."""
    found = active_participants([sender_id, route_id])
    sender = _checked(sender_id, found.get(sender_id), local=True)
    return sender, _checked(route_id, found.get(route_id), local=False)


def _checked(system_id: str, found: Participant | None, *, local: bool) -> Participant:
    if found is None:
        raise UnknownParticipant(
            _("%(id)s is not a registered participant of the gateway.") % {"id": system_id}
        )
    if local and not found.local:
        raise UnknownParticipant(
            _("%(id)s is not served by this installation: it has no key to sign with here.")
            % {"id": system_id}
        )
    return found


def local_route_ids() -> list[str]:
    """The routes this installation receives: its active local participants."""
    return list(
        Participant.objects.filter(local=True, active=True)
        .order_by("system_id")
        .values_list("system_id", flat=True)
    )


def _by_status(rows: QuerySet[Any]) -> dict[str, int]:
    return dict(rows.values_list("status").annotate(count=Count("id")).order_by())


def gateway_counts() -> dict[str, dict[str, int]]:
    """How many messages are in each state, outbox and inbox (`bekitu gateway status`)."""
    counts = {
        "outbox": {s: 0 for s in OutboxMessage.Status.values},
        "inbox": {s: 0 for s in InboxMessage.Status.values},
    }
    counts["outbox"].update(_by_status(OutboxMessage.objects.all()))
    counts["inbox"].update(_by_status(InboxMessage.objects.all()))
    return counts


def gateway_backlog() -> dict[str, dict[str, int]]:
    """Messages still at work, outbox and inbox (the service's metrics): never the done ones,
    whose count grows with the retention. Two grouped queries."""
    return {
        "outbox": _by_status(OutboxMessage.objects.filter(OUTBOX_AT_WORK)),
        "inbox": _by_status(InboxMessage.objects.filter(INBOX_AT_WORK)),
    }
