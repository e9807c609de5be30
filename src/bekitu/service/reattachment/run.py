"""Carrying out a confirmed re-attachment plan, batch by batch.

Each batch (the plan's `batch_size` persons, in the order of their rows) is one transaction:
every person of it gets a new attachment (reason `provider_closed`, which counts against no
change limit) and a signed talon, the rows record what became of them, the audit rows are
written together, and the plan's checkpoint moves past the batch. A run that stops anywhere
leaves whole batches only; the next run starts after the checkpoint, so the result is the
same as that of one run without a stop. Two workers on one plan take turns on its row lock.
Each batch's commit is the run's heartbeat: a run that falls silent is resumed by the beat
(`resume.py`).
"""

from __future__ import annotations

import logging
from collections import Counter

from django.db import transaction
from django.utils import timezone

from bekitu.core.audit import audit_record, audit_write_batch
from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import REATTACHMENT_CHANNEL, AttachmentReason
from bekitu.registry.selectors import attachment_open
from bekitu.registry.services import attachment_create, attachment_transfer, person_lock
from bekitu.service.reattachment import notices
from bekitu.service.reattachment.models import Reattachment, ReattachmentItem
from bekitu.talons.services import talon_issue

log = logging.getLogger("bekitu.service")
Kind = Reattachment.Kind
Status = Reattachment.Status
Outcome = ReattachmentItem.Outcome
SOURCE = "reattachment"


def _move(plan: Reattachment, item: ReattachmentItem) -> None:
    """Re-attach one person, or record why not (attached elsewhere meanwhile)."""
    person = person_lock(person=item.person)
    common = {
        "person": person,
        "provider": item.target_provider,
        "district": item.target_district,
        "valid_from": plan.on,
        "reason": AttachmentReason.PROVIDER_CLOSED,
        "source": SOURCE,
        "application_number": plan.number,
    }
    try:
        if plan.kind == Kind.PROVIDER_CLOSED:
            attachment = attachment_create(**common)  # type: ignore[arg-type]
        else:
            current = attachment_open(person=person)
            if current is None or current.pk != item.attachment_id:
                item.outcome = Outcome.ALREADY_ATTACHED
                return
            attachment = attachment_transfer(**common)  # type: ignore[arg-type]
    except DomainError as exc:
        if exc.code != "already_attached":
            raise
        item.outcome = Outcome.ALREADY_ATTACHED
        return
    talon = talon_issue(
        attachment=attachment, application_number=plan.number, channel=REATTACHMENT_CHANNEL
    )
    item.outcome, item.new_attachment, item.talon_number = (
        Outcome.ATTACHED,
        attachment,
        talon.number,
    )


def _batch(plan_id: int) -> bool:
    """Carry out the next batch; False when none is left."""
    with transaction.atomic():
        plan = Reattachment.objects.select_for_update().select_related("provider").get(pk=plan_id)
        if plan.status not in (Status.CONFIRMED, Status.RUNNING):
            return False
        items = list(
            plan.items.filter(pk__gt=plan.checkpoint)
            .select_related("person", "target_provider", "target_district")
            .order_by("pk")[: plan.batch_size]
        )
        if not items:
            _finish(plan)
            return False
        with audit_write_batch():
            for item in items:
                _move(plan, item)
            ReattachmentItem.objects.bulk_update(
                items, ["outcome", "new_attachment", "talon_number"]
            )
            notices.portal_notices_send(plan=plan, items=items)
        counts = Counter(plan.counts)
        counts.update(item.outcome for item in items)
        plan.counts = dict(counts)
        plan.checkpoint, plan.processed = items[-1].pk, plan.processed + len(items)
        plan.batches += 1
        plan.status = Status.RUNNING
        plan.started_at = plan.started_at or timezone.now()
        plan.heartbeat_at = timezone.now()
        plan.save(
            update_fields=[
                "counts",
                "checkpoint",
                "processed",
                "batches",
                "status",
                "started_at",
                "heartbeat_at",
            ]
        )
        first, last = items[0].pk, items[-1].pk
        transaction.on_commit(lambda: notices.sms_queue(plan_id, first, last))
    log.info("reattachment.batch", extra={"fields": {"plan": plan_id, "rows": len(items)}})
    return True


def _finish(plan: Reattachment) -> None:
    plan.status, plan.finished_at = Status.DONE, timezone.now()
    plan.save(update_fields=["status", "finished_at"])
    audit_record(
        action="service.reattachment.done",
        object_type="service.reattachment",
        object_id=plan.pk,
        data={
            "number": plan.number,
            "kind": plan.kind,
            "provider_bin": plan.provider.bin,
            "on": plan.on.isoformat(),
            "persons": plan.total,
            "batches": plan.batches,
            **plan.counts,
        },
    )
    log.info("reattachment.done", extra={"fields": {"plan": plan.pk, **plan.counts}})


def reattachment_run(*, plan_id: int, max_batches: int | None = None) -> Reattachment:
    """Carry out a confirmed plan from its checkpoint to its end (or `max_batches` batches);
    returns the plan as it stands. A plan not confirmed, or done, is left as it is."""
    done = 0
    while (max_batches is None or done < max_batches) and _batch(plan_id):
        done += 1
    return Reattachment.objects.get(pk=plan_id)
