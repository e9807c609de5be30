"""The reports against counts made independently, over generated attachment histories:
the cells on day D are the persons attached on D (in force: valid_from <= D and no end or an
end after D; age in completed years on D), and over any period each provider's gains minus
losses equal the change in its total."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bekitu.reports.movement import movement
from bekitu.reports.population import population_cells
from bekitu.reports.selectors import band_edition_on
from tests.reports.histories import (
    EPOCH,
    SPAN,
    counted_cells,
    counted_totals,
    histories,
    store,
    world,
)

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _in_a_savepoint(check):
    # Each example writes its own history and leaves nothing behind for the next one.
    sid = transaction.savepoint()
    try:
        check()
    finally:
        transaction.savepoint_rollback(sid)


def _days(stories) -> st.SearchStrategy[int]:
    # Days where periods start and end (and the day before) are where an off-by-one hides.
    edges = sorted({d for s in stories for p in s.periods for d in (p.start, p.end) if d})
    near = [d + k for d in edges for k in (-1, 0) if 0 <= d + k <= SPAN]
    return st.one_of(st.integers(0, SPAN), st.sampled_from(near)) if near else st.integers(0, SPAN)


@EXAMPLES
@given(stories=st.lists(histories(), max_size=8), data=st.data())
def test_the_cells_on_a_day_are_the_persons_attached_that_day(stories, data):
    day = data.draw(_days(stories))

    def check():
        w = world()
        store(w, stories)
        on = EPOCH + dt.timedelta(days=day)
        ids = frozenset(p.pk for p in w.providers)
        cells = population_cells(as_of=on, provider_ids=ids)
        got: dict[tuple[int, str, str], int] = {}
        for c in cells:
            got[(c.provider_id, c.sex, c.band)] = (
                got.get((c.provider_id, c.sex, c.band), 0) + c.count
            )
        assert got == counted_cells(w, stories, day, band_edition_on(on))
        assert sum(got.values()) == sum(s.provider_on(day) is not None for s in stories)

    _in_a_savepoint(check)


@EXAMPLES
@given(stories=st.lists(histories(), max_size=8), data=st.data())
def test_gains_minus_losses_are_the_change_in_the_total(stories, data):
    first = max(data.draw(_days(stories)), 1)
    last = max(data.draw(_days(stories)), first)

    def check():
        w = world()
        store(w, stories)
        ids = frozenset(p.pk for p in w.providers)
        report = movement(
            first=EPOCH + dt.timedelta(days=first),
            last=EPOCH + dt.timedelta(days=last),
            provider_ids=ids,
        )
        before, after = counted_totals(w, stories, first - 1), counted_totals(w, stories, last)
        for provider in w.providers:
            pid = provider.pk
            assert report.before.get(pid, 0) == before[pid]
            assert report.after.get(pid, 0) == after[pid]
            assert report.gained(pid) - report.lost(pid) == after[pid] - before[pid]

    _in_a_savepoint(check)
