"""The audit rows of one transaction's changes are written together at the end of an
`audit_write_batch` block, still in that transaction; a rolled-back savepoint's rows go
with it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bekitu.core.audit import audit_context, audit_record, audit_verify, audit_write_batch
from bekitu.core.models import AuditEntry

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


def test_changes_in_a_write_batch_are_chained_at_its_end_with_one_head_update() -> None:
    audit_record(action="test.before")
    with (
        CaptureQueriesContext(connection) as queries,
        audit_context(actor="system"),
        transaction.atomic(),
    ):
        with audit_write_batch():
            for i in range(4):
                audit_record(action="test.change", object_id=i)
            assert not AuditEntry.objects.filter(action="test.change").exists()
        assert AuditEntry.objects.filter(action="test.change").count() == 4
    assert _head_updates(queries) == 1
    rows = list(AuditEntry.objects.filter(action="test.change").order_by("seq"))
    assert [r.object_id for r in rows] == ["0", "1", "2", "3"]
    assert [r.seq for r in rows] == list(range(rows[0].seq, rows[0].seq + 4))
    assert audit_verify().ok


def test_rows_of_a_rolled_back_savepoint_are_dropped_and_the_rest_kept() -> None:
    with transaction.atomic(), audit_write_batch():
        audit_record(action="test.kept", object_id=1)
        try:
            with transaction.atomic():
                audit_record(action="test.dropped")
                raise ValueError("rolled back")
        except ValueError:
            pass
        audit_record(action="test.kept", object_id=2)
    assert not AuditEntry.objects.filter(action="test.dropped").exists()
    assert list(
        AuditEntry.objects.filter(action="test.kept")
        .order_by("seq")
        .values_list("object_id", flat=True)
    ) == ["1", "2"]
    assert audit_verify().ok


def test_a_transaction_rolled_back_writes_none_of_its_rows() -> None:
    with pytest.raises(ValueError), transaction.atomic(), audit_write_batch():
        audit_record(action="test.gone")
        raise ValueError("rolled back")
    assert not AuditEntry.objects.filter(action="test.gone").exists()
    assert audit_verify().ok


def test_outside_a_transaction_a_write_batch_changes_nothing() -> None:
    with audit_write_batch():
        audit_record(action="test.at_once")
        assert AuditEntry.objects.filter(action="test.at_once").exists()
