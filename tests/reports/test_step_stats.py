"""The summary of step durations (no database) uses the quantiles of `step_statistics`: the
median, and the nearest-rank 90th percentile, to a tenth of a minute."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekitu.service import step_statistics
from bekitu.service.step_times import summarize

minutes = st.lists(st.floats(min_value=0, max_value=10_000, allow_nan=False), min_size=1)


@settings(deadline=None)
@given(minutes, st.data())
def test_the_summary_is_the_handbooks(values, data):
    in_time = data.draw(st.integers(0, len(values)))
    ours = summarize(values, in_time)
    theirs = step_statistics.summarize("step", values, len(values) - in_time)
    assert (ours.count, ours.median, ours.p90) == (
        theirs.count,
        theirs.median_minutes,
        theirs.p90_minutes,
    )
    assert ours.share_in_time == pytest.approx(1 - theirs.breach_share)


def test_a_summary_counts_and_shares():
    summary = summarize([10.0, 20.0, 30.0, 100.0], in_time=3)
    assert (summary.count, summary.in_time, summary.median, summary.p90) == (4, 3, 25.0, 100.0)
    assert summary.share_in_time == 0.75
    empty = summarize([], in_time=0)
    assert (empty.count, empty.median, empty.p90, empty.share_in_time) == (0, None, None, None)
