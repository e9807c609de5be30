from __future__ import annotations

import hashlib

import pytest

from bekitu.core.audit import (
    audit_context,
    audit_record,
    audit_verify,
    canonical_parts,
    chain_of,
    entry_hash,
)
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


def _actors_in_two_chains() -> tuple[str, str]:
    first = "user:1"
    other = next(f"user:{n}" for n in range(2, 500) if chain_of(f"user:{n}") != chain_of(first))
    return first, other


def test_each_actor_writes_to_its_own_chain_and_every_chain_verifies() -> None:
    first, other = _actors_in_two_chains()
    for actor in (first, other, first):
        with audit_context(actor=actor):
            audit_record(action="test.event")
    chains = dict(AuditEntry.objects.values_list("actor", "chain").distinct())
    assert chains == {first: chain_of(first), other: chain_of(other)}
    seqs = list(AuditEntry.objects.filter(actor=first).values_list("seq", flat=True))
    assert seqs == [1, 2]
    report = audit_verify()
    assert report.ok and report.checked == 3


def test_a_deleted_tail_row_of_a_second_chain_is_named_with_its_chain() -> None:
    first, other = _actors_in_two_chains()
    for actor in (first, other, other):
        with audit_context(actor=actor):
            audit_record(action="test.event")
    last = AuditEntry.objects.filter(actor=other).order_by("seq").last()
    assert last is not None
    last.delete()
    report = audit_verify()
    assert (report.ok, report.chain, report.first_broken_seq) == (False, chain_of(other), 2)


def test_one_chain_when_configured_so(settings) -> None:
    settings.AUDIT_CHAINS = 1
    first, other = "user:1", "user:2"
    assert chain_of(first) == chain_of(other) == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"via": "iin", "note": 'кавычки " и \\ обратная черта, Әлия'},
        # A nested object that looks like the chain's own fields must not mislead the split.
        {"x": {"prev_hash": "", "seq": 0, "subject_iin": ""}, "prev_hash": ""},
    ],
)
def test_the_hash_from_the_canonical_parts_is_the_rows_hash(data: dict[str, object]) -> None:
    entry = audit_record(action="test.parts", subject_iin="900101300123", data=data)
    entry.refresh_from_db()
    before, after = canonical_parts(entry)
    joined = before + f'{entry.prev_hash}","seq":{entry.seq}'.encode() + after
    assert hashlib.sha256(joined).hexdigest() == entry.hash == entry_hash(entry)
    assert audit_verify().ok
