"""What the gateway is done with goes after BEKITU_GATEWAY_RETENTION_DAYS: sent and confirmed
messages, processed and discarded ones, the record of refused envelopes; nothing still at
work (waiting, sent and unconfirmed, retrying, parked), however old; the run audited with its
counts; a retention shorter than the retries refused at start-up and by the command."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from bekitu.core.errors import DomainError
from bekitu.core.models import AuditEntry
from bekitu.gateway import services
from bekitu.gateway.models import InboxMessage, OutboxMessage, RejectedMessage
from bekitu.gateway.retention import gateway_purge, shortest_retention_days
from tests.gateway.conftest import SERVICE, GatewayPki, Recorder

pytestmark = pytest.mark.django_db

OLD = timezone.now() - dt.timedelta(days=400)


def _carried(gw: GatewayPki, settings: Any, count: int) -> None:
    """`count` requests sent, received, processed and confirmed over the default transport,
    then made old."""
    settings.GATEWAY_TRANSPORT = "db://"
    for _ in range(count):
        services.message_send(
            service_id=SERVICE, sender_id=gw.portal.system_id, route_id=gw.clinic_a.system_id
        )
    call_command("gateway", "drain", stdout=StringIO())
    OutboxMessage.objects.update(created_at=OLD)
    InboxMessage.objects.update(received_at=OLD)


def _at_work(gw: GatewayPki) -> set[str]:
    """Old messages still at work, one of each state; their ids."""
    common = {
        "service_id": SERVICE,
        "sender_id": gw.portal.system_id,
        "route_id": gw.clinic_a.system_id,
        "message_date": OLD,
        "envelope": b"<x/>",
        "size": 4,
    }
    kept = set()
    for status, receipt in (("pending", None), ("parked", None), ("sent", None)):
        row = OutboxMessage.objects.create(
            message_id=uuid.uuid4(), status=status, receipt_at=receipt, created_at=OLD, **common
        )
        kept.add(str(row.message_id))
    for status in ("retrying", "parked"):
        row = InboxMessage.objects.create(
            message_id=uuid.uuid4(), status=status, signer_serial="ab", received_at=OLD, **common
        )
        kept.add(str(row.message_id))
    return kept


def _ids() -> set[str]:
    return {str(m) for m in OutboxMessage.objects.values_list("message_id", flat=True)} | {
        str(m) for m in InboxMessage.objects.values_list("message_id", flat=True)
    }


def test_what_is_done_with_goes_and_what_is_at_work_stays(
    gw: GatewayPki, recorder: Recorder, settings: Any
) -> None:
    _carried(gw, settings, 3)
    kept = _at_work(gw)
    RejectedMessage.objects.create(
        route_id=gw.clinic_a.system_id, code="ESIG001", size=4, sha256="0" * 64, received_at=OLD
    )
    recent = OutboxMessage.objects.create(
        message_id=uuid.uuid4(),
        service_id=SERVICE,
        sender_id=gw.portal.system_id,
        route_id=gw.clinic_a.system_id,
        message_date=timezone.now(),
        envelope=b"<x/>",
        size=4,
        status="sent",
        receipt_at=timezone.now(),
    )

    report = gateway_purge(days=180, batch=2)  # several batches

    assert report is not None
    # Three requests and their three receipts, sent; the requests and the one envelope the
    # receipts came back in (`receipts.receipts_together`), processed.
    assert (report.outbox, report.inbox, report.rejected) == (6, 4, 1)
    assert _ids() == kept | {str(recent.message_id)}
    assert not RejectedMessage.objects.exists()
    entry = AuditEntry.objects.get(action="gateway.purge")
    assert (entry.data["outbox"], entry.data["inbox"], entry.data["days"]) == (6, 4, 180)


def test_a_dry_run_counts_and_deletes_nothing(
    gw: GatewayPki, recorder: Recorder, settings: Any
) -> None:
    _carried(gw, settings, 2)
    before = _ids()

    out = StringIO()
    call_command("gateway", "purge", "--days", "180", "--dry-run", stdout=out)

    counted = json.loads(out.getvalue())
    # Two requests and their receipts; the requests and the receipts' one envelope.
    assert (counted["outbox"], counted["inbox"], counted["dry_run"]) == (4, 3, True)
    assert _ids() == before
    assert not AuditEntry.objects.filter(action="gateway.purge").exists()


def test_a_retention_shorter_than_the_retries_is_refused(gw: GatewayPki, settings: Any) -> None:
    settings.GATEWAY_MAX_ATTEMPTS, settings.GATEWAY_RETRY_CAP_SECONDS = 12, 2 * 86_400
    assert shortest_retention_days() == 48  # 12 attempts up to 2 days apart, twice over
    too_short = shortest_retention_days() - 1
    with pytest.raises(DomainError, match="keep at least"):
        gateway_purge(days=too_short)
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("gateway", "purge", "--days", str(too_short), stderr=err)
    assert "retention_too_short" in err.getvalue()

    settings.GATEWAY_RETENTION_DAYS = too_short
    with pytest.raises(SystemCheckError, match="BEKITU_GATEWAY_RETENTION_DAYS"):
        call_command("check", "--tag", "bekitu")


def test_a_retention_of_0_keeps_everything(
    gw: GatewayPki, recorder: Recorder, settings: Any
) -> None:
    _carried(gw, settings, 1)
    before = _ids()
    settings.GATEWAY_RETENTION_DAYS = 0

    out = StringIO()
    call_command("gateway", "purge", stdout=out)

    assert json.loads(out.getvalue())["kept"] == "all"
    assert _ids() == before
