"""Reads of the gateway's tables: participants, and what an operator needs to see."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from bekitu.gateway.errors import UnknownParticipant
from bekitu.gateway.models import InboxMessage, OutboxMessage, Participant


def participant_get(system_id: str, *, local: bool = False) -> Participant:
    """The active participant `system_id` (a local one, served here, if `local`), or
    UnknownParticipant."""
    found = Participant.objects.filter(system_id=system_id, active=True).first()
    return _checked(system_id, found, local=local)


def participants_get(sender_id: str, route_id: str) -> tuple[Participant, Participant]:
    """The local active participant `sender_id` and the active participant `route_id`, read
    in one query; UnknownParticipant as `participant_get` says it, the sender's first."""
    rows = Participant.objects.filter(system_id__in={sender_id, route_id}, active=True)
    found = {row.system_id: row for row in rows}
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


def gateway_counts() -> dict[str, dict[str, int]]:
    """How many messages are in each state, outbox and inbox (`bekitu gateway status`)."""
    counts: dict[str, dict[str, int]] = {"outbox": {}, "inbox": {}}
    for name, model in (("outbox", OutboxMessage), ("inbox", InboxMessage)):
        for status in model.Status.values:
            counts[name][status] = model.objects.filter(status=status).count()
    return counts
