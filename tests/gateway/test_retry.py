"""Back-off with jitter: the laws of retry.py, without a database."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bekitu.gateway.retry import backoff_delay, nominal_delay

attempts = st.integers(min_value=1, max_value=2000)
bases = st.floats(min_value=0.01, max_value=600)
caps = st.floats(min_value=1, max_value=86_400)


@given(attempt=attempts, base=bases, cap=caps, seed=st.integers())
def test_the_delay_lies_between_half_and_all_of_the_nominal(
    attempt: int, base: float, cap: float, seed: int
) -> None:
    nominal = nominal_delay(attempt, base=base, cap=cap)
    delay = backoff_delay(attempt, base=base, cap=cap, rng=random.Random(seed))
    assert nominal / 2 <= delay <= nominal <= cap


@given(attempt=attempts, base=bases, cap=caps)
def test_the_nominal_delay_never_decreases(attempt: int, base: float, cap: float) -> None:
    assert nominal_delay(attempt, base=base, cap=cap) <= nominal_delay(
        attempt + 1, base=base, cap=cap
    )


def test_it_doubles_until_the_cap() -> None:
    delays = [nominal_delay(n, base=5, cap=60) for n in range(1, 7)]
    assert delays == [5, 10, 20, 40, 60, 60]


def test_jitter_spreads_messages_that_failed_together() -> None:
    rng = random.Random(7)
    delays = {round(backoff_delay(4, base=5, cap=3600, rng=rng), 3) for _ in range(50)}
    assert len(delays) > 40


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        nominal_delay(0, base=1, cap=1)
