"""Talons issued at the same moment by several specialists, each on its own connection."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from bekitu.registry.models import Attachment, Provider
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_issue
from tests.factories import AttachmentFactory, DistrictFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 8
EACH = 4


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent writers only contend on PostgreSQL; "
            "set DATABASE_URL=postgres://... to run this test"
        )


def _issue_all(batches: list[list[Attachment]]) -> list[object]:
    barrier = threading.Barrier(len(batches))
    outcomes: list[object] = []
    lock = threading.Lock()

    def work(batch: list[Attachment]) -> None:
        try:
            barrier.wait()
            for attachment in batch:
                talon = talon_issue(attachment=attachment, application_number="A", channel="desk")
                with lock:
                    outcomes.append(talon.number)
        except Exception as exc:  # reported to the test, not swallowed
            with lock:
                outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_concurrent_issues_get_distinct_gapless_numbers(
    provider: Provider, eds_settings: Any
) -> None:
    district = DistrictFactory(provider=provider)
    batches = [
        [AttachmentFactory(provider=provider, district=district) for _ in range(EACH)]
        for _ in range(WORKERS)
    ]
    outcomes = _issue_all(batches)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors
    serials = sorted(int(str(n).rsplit("-", 1)[1]) for n in outcomes)
    assert serials == list(range(1, WORKERS * EACH + 1))
    assert Talon.objects.values("code").distinct().count() == WORKERS * EACH
