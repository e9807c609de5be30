"""Two transfers of one person decided at the same moment, each on its own connection."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from typing import Any

import pytest
from django.db import connection, connections

from bekitu.core.audit import audit_verify
from bekitu.core.errors import DomainError
from bekitu.registry import services
from bekitu.registry.models import Attachment, District, Person
from tests.factories import AttachmentFactory, DistrictFactory, PersonFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks (select_for_update) only contend on PostgreSQL; "
            "set DATABASE_URL=postgres://... to run this test"
        )


def _slow_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each transfer inside its transaction a little, so the other one must wait."""
    original = services._close_from

    def slow(*args: Any, **kwargs: Any) -> list[Attachment]:
        ended = original(*args, **kwargs)
        time.sleep(0.3)
        return ended

    monkeypatch.setattr(services, "_close_from", slow)


def _run_transfers(person: Person, targets: list[District], day: dt.date) -> list[object]:
    barrier = threading.Barrier(len(targets))
    results: list[object] = [None] * len(targets)

    def work(i: int, district: District) -> None:
        try:
            barrier.wait()
            results[i] = services.attachment_transfer(
                person=person,
                provider=district.provider,
                district=district,
                valid_from=day,
                reason="choice",
                source=f"thread-{i}",
            )
        except Exception as exc:  # reported to the test, not swallowed
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, d)) for i, d in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_concurrent_transfers_leave_one_open_attachment_and_a_consistent_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = AttachmentFactory(valid_from=dt.date(2022, 1, 1))
    person = start.person
    targets = [DistrictFactory(), DistrictFactory()]
    _slow_close(monkeypatch)

    began = time.monotonic()
    results = _run_transfers(person, targets, dt.date(2025, 9, 1))
    elapsed = time.monotonic() - began

    assert all(isinstance(r, Attachment) for r in results), results
    # Serialised: the second waited for the first's lock, so both sleeps ran one after another.
    assert elapsed >= 0.6
    history = list(Attachment.objects.filter(person=person).order_by("pk"))
    assert len(history) == 3
    assert [a.valid_to is None for a in history] == [False, False, True]
    assert history[0].pk == start.pk
    assert history[0].valid_to == dt.date(2025, 9, 1)
    # The one opened first was closed by the second, on the same day: an empty period.
    assert (history[1].valid_from, history[1].valid_to) == (dt.date(2025, 9, 1),) * 2
    assert all(a.end_reason == "transfer" for a in history[:2])
    assert {a.source for a in history[1:]} == {"thread-0", "thread-1"}
    assert audit_verify().ok


def test_many_concurrent_transfers_of_one_person_keep_periods_chained() -> None:
    start = AttachmentFactory(valid_from=dt.date(2022, 1, 1))
    person = start.person
    targets = [DistrictFactory() for _ in range(4)]
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=30 * i) for i in range(4)]
    barrier_results: list[object] = []
    for day in days:
        barrier_results += _run_transfers(person, targets[:2], day)

    assert all(isinstance(r, Attachment) for r in barrier_results), barrier_results
    history = list(Attachment.objects.filter(person=person).order_by("valid_from", "pk"))
    assert sum(a.valid_to is None for a in history) == 1
    for older, newer in itertools.pairwise(history):
        assert older.valid_to is not None and older.valid_to <= newer.valid_from
    assert audit_verify().ok


def test_two_concurrent_attachments_of_an_unattached_person_let_one_through() -> None:
    person = PersonFactory()
    targets = [DistrictFactory(), DistrictFactory()]
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = services.attachment_create(
                person=person,
                provider=targets[i].provider,
                district=targets[i],
                valid_from=dt.date(2025, 9, 1),
                reason="choice",
                source=f"thread-{i}",
            )
        except DomainError as exc:
            results[i] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(r).__name__ for r in results) == ["Attachment", "str"]
    assert "already_attached" in results
    assert Attachment.objects.filter(person=person).count() == 1
