from __future__ import annotations

import pytest

from bekitu.core.audit import audit_context, audit_record, audit_verify
from bekitu.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


def _three_rows() -> list[AuditEntry]:
    with audit_context(actor="user:1", channel="desk"):
        return [audit_record(action="test.event", object_id=i, data={"n": i}) for i in range(3)]


def test_rows_chain_to_their_predecessor_and_verify() -> None:
    rows = _three_rows()
    assert rows[0].prev_hash == "0" * 64
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].actor == "user:1" and rows[2].channel == "desk"
    report = audit_verify()
    assert report.ok and report.checked == 3


def test_an_edited_row_is_named() -> None:
    rows = _three_rows()
    AuditEntry.objects.filter(pk=rows[1].pk).update(data={"n": 99})
    report = audit_verify()
    assert not report.ok
    assert (report.first_broken_seq, report.problem) == (rows[1].seq, "content")


def test_a_deleted_middle_row_is_named() -> None:
    rows = _three_rows()
    AuditEntry.objects.filter(pk=rows[1].pk).delete()
    report = audit_verify()
    assert (report.ok, report.first_broken_seq, report.problem) == (False, rows[1].seq, "missing")


def test_a_deleted_last_row_is_detected_by_the_chain_head() -> None:
    rows = _three_rows()
    AuditEntry.objects.filter(pk=rows[2].pk).delete()
    report = audit_verify()
    assert (report.ok, report.first_broken_seq) == (False, rows[2].seq)
    assert AuditChainHead.objects.get().last_seq == 3
