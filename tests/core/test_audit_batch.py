"""The audit rows of one request's reads are written together: one chain-head update."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext

from bekitu.core.audit import (
    AuditBatchMiddleware,
    audit_batch,
    audit_context,
    audit_record,
    audit_verify,
)
from bekitu.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def _head_updates(queries: CaptureQueriesContext) -> int:
    """Updates of a chain's head: an UPDATE (SQLite) or a call of the append function, which
    updates the head once per call (PostgreSQL)."""
    return sum(
        1
        for q in queries.captured_queries
        if (q["sql"].lstrip().upper().startswith("UPDATE") and "auditchainhead" in q["sql"])
        or "bekitu_audit_append(" in q["sql"]
    )


def test_reads_in_a_batch_are_written_at_its_end_with_one_head_update() -> None:
    audit_record(action="test.before")
    with (
        CaptureQueriesContext(connection) as queries,
        audit_context(actor="user:7", channel="desk"),
        audit_batch(),
    ):
        rows = [audit_record(action="test.read", object_id=i) for i in range(3)]
        assert AuditEntry.objects.filter(action="test.read").count() == 0
    assert _head_updates(queries) == 1
    stored = list(AuditEntry.objects.filter(action="test.read").order_by("seq"))
    assert [r.object_id for r in stored] == ["0", "1", "2"]
    assert [r.seq for r in stored] == [rows[0].seq, rows[0].seq + 1, rows[0].seq + 2]
    assert stored[1].prev_hash == stored[0].hash and rows[2].hash == stored[2].hash
    head = AuditChainHead.objects.get(id=stored[0].chain)
    assert (head.last_seq, head.last_hash) == (stored[2].seq, stored[2].hash)
    assert audit_verify().ok


def test_a_row_written_in_a_transaction_goes_in_with_it_at_once() -> None:
    with audit_batch():
        audit_record(action="test.read")
        with transaction.atomic():
            audit_record(action="test.change")
        assert AuditEntry.objects.filter(action="test.change").count() == 1
        assert AuditEntry.objects.filter(action="test.read").count() == 0
    assert AuditEntry.objects.filter(action="test.read").count() == 1
    assert audit_verify().ok


def test_reads_are_written_also_when_the_request_fails() -> None:
    with pytest.raises(RuntimeError), audit_batch():
        audit_record(action="test.read")
        raise RuntimeError("the view failed")
    assert AuditEntry.objects.filter(action="test.read").count() == 1


def test_rows_of_several_actors_go_to_their_chains(settings) -> None:  # type: ignore[no-untyped-def]
    settings.AUDIT_CHAINS = 8
    with audit_batch():
        for actor in ("user:1", "user:2", "user:3", "user:1"):
            with audit_context(actor=actor):
                audit_record(action="test.read")
    assert AuditEntry.objects.count() == 4
    assert audit_verify().ok


def test_the_middleware_writes_a_request_s_reads_together() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        for i in range(2):
            audit_record(action="test.read", object_id=i)
        assert not AuditEntry.objects.exists()
        return HttpResponse("ok")

    with CaptureQueriesContext(connection) as queries:
        AuditBatchMiddleware(view)(HttpRequest())
    assert AuditEntry.objects.count() == 2 and _head_updates(queries) == 1
