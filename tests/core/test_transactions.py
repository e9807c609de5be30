"""A mark of the caller's transaction stands while what was done where it was taken stands:
not after the commit, not after a rollback, not after its savepoint is rolled back. The
steps that trust a mark (a person's row locked, an application's documents, an attachment
made here) read or lock the row again once it no longer stands."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bekitu.core.transactions import mark_stands, mark_taken
from bekitu.registry.services import person_lock_with_address
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


class _Undo(Exception):
    pass


def test_outside_a_transaction_nothing_is_marked() -> None:
    assert mark_taken() is None
    assert not mark_stands(None)


def test_a_mark_stands_until_its_transaction_commits() -> None:
    with transaction.atomic():
        mark = mark_taken()
        assert mark_stands(mark)
        with transaction.atomic():
            inner = mark_taken()
        assert mark_stands(inner), "a savepoint released keeps what it did"
        assert mark_stands(mark)
    assert not mark_stands(mark)
    assert not mark_stands(inner)
    with transaction.atomic():
        assert not mark_stands(mark), "another transaction is not the one marked"


def test_a_rollback_takes_its_marks_with_it() -> None:
    with transaction.atomic():
        kept = mark_taken()
        try:
            with transaction.atomic():
                undone = mark_taken()
                raise _Undo
        except _Undo:
            pass
        assert not mark_stands(undone), "the savepoint's lock would be released"
        assert mark_stands(kept)
    try:
        with transaction.atomic():
            lost = mark_taken()
            raise _Undo
    except _Undo:
        pass
    assert not mark_stands(lost)


def test_a_person_locked_in_a_transaction_is_not_locked_again_until_it_ends() -> None:
    person = PersonFactory()
    with transaction.atomic():
        locked = person_lock_with_address(person=person)
        with CaptureQueriesContext(connection) as queries:
            again = person_lock_with_address(person=locked)
        assert again is locked and len(queries) == 0
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        fresh = person_lock_with_address(person=locked)
    assert fresh is not locked and len(queries) == 1, "a new transaction locks the row again"


def test_a_lock_taken_in_a_savepoint_rolled_back_is_taken_again() -> None:
    person = PersonFactory()
    with transaction.atomic():
        try:
            with transaction.atomic():
                locked = person_lock_with_address(person=person)
                raise _Undo
        except _Undo:
            pass
        with CaptureQueriesContext(connection) as queries:
            again = person_lock_with_address(person=locked)
        assert again is not locked and len(queries) == 1
