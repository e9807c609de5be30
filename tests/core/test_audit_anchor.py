"""The audit chain against someone who can write the database (docs/security.md): a chain
rewritten from an edited row onwards, every hash recomputed, still verifies on its own; an
anchor kept outside the database exposes it."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from bekitu.core.audit import anchor_check, audit_anchor, audit_context, audit_record, audit_verify
from bekitu.core.audit import entry_hash as hash_of
from bekitu.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


def _rows(n: int) -> list[AuditEntry]:
    with audit_context(actor="staff:anchor", channel="desk"):
        return [audit_record(action="registry.person.read", object_id=i) for i in range(n)]


def _rewrite_from(entry: AuditEntry) -> None:
    """Edit a row and recompute its hash, every later one and the head, as an insider could."""
    entry.data = {"via": "nothing to see"}
    rows = AuditEntry.objects.filter(chain=entry.chain, seq__gte=entry.seq).order_by("seq")
    previous = AuditEntry.objects.get(chain=entry.chain, seq=entry.seq - 1).hash
    for row in rows:
        if row.pk == entry.pk:
            row.data = entry.data
        row.prev_hash = previous
        row.hash = hash_of(row)
        row.save()
        previous = row.hash
    AuditChainHead.objects.filter(id=entry.chain).update(last_hash=previous)


def test_a_rewritten_chain_passes_verify_but_not_the_anchor() -> None:
    rows = _rows(3)
    anchor = audit_anchor()
    _rewrite_from(rows[1])
    assert audit_verify().ok, "the chain alone cannot tell"
    report = anchor_check(anchor)
    assert (report.ok, report.problem, report.chain) == (False, "anchor", rows[2].chain)
    assert report.first_broken_seq == rows[2].seq


def test_rows_written_after_the_anchor_keep_it_valid() -> None:
    _rows(2)
    anchor = audit_anchor()
    _rows(3)
    assert anchor_check(anchor).ok


def test_the_commands_write_and_check_an_anchor(tmp_path: Path) -> None:
    rows = _rows(3)
    out = StringIO()
    call_command("audit", "anchor", stdout=out)
    saved = tmp_path / "anchor.json"
    saved.write_text(out.getvalue())
    heads = json.loads(out.getvalue())["heads"]
    assert {"chain": rows[2].chain, "seq": rows[2].seq, "hash": rows[2].hash} in heads
    call_command("audit", "verify", "--anchor", str(saved), stdout=StringIO())
    _rewrite_from(rows[1])
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", "--anchor", str(saved), stdout=out)
    assert exit_info.value.code == 1
    assert "rewritten after the anchor" in out.getvalue()
