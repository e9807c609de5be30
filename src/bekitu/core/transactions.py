"""Marks of what the caller's database transaction has done, so that its later steps need not
ask the database again: a row it has locked, a row it has made.

A mark is a no-op on-commit callback. Django keeps a transaction's callbacks until it commits,
drops them all when it rolls back, and drops those registered in a savepoint when that
savepoint is rolled back. So a mark stands exactly as long as what was done where it was
taken: a lock taken in a savepoint rolled back since is released, and its mark is gone with
it. Outside a transaction nothing is marked (each statement commits on its own).
"""

from __future__ import annotations

from django.db import transaction


class Mark:
    """The no-op callback that stands for one thing done in a transaction."""

    def __call__(self) -> None:
        return None


def mark_taken() -> Mark | None:
    """A mark of the caller's transaction at this point, or None outside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        return None
    mark = Mark()
    transaction.on_commit(mark)
    return mark


def mark_stands(mark: Mark | None) -> bool:
    """Whether the transaction (and savepoint) in which `mark` was taken is still the
    caller's, neither committed nor rolled back."""
    if mark is None:
        return False
    connection = transaction.get_connection()
    # From the newest: a mark is mostly asked about soon after it was taken, and a long
    # transaction (a re-attachment's batch) holds thousands of callbacks.
    return connection.in_atomic_block and any(
        func is mark for _sids, func, _robust in reversed(connection.run_on_commit)
    )
