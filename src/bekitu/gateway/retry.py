"""When to try again: exponential back-off with jitter (pure, no Django).

Laws (tests/gateway/test_retry.py): the delay of attempt n lies in [d/2, d] where
d = min(cap, base * 2**(n-1)); d never decreases with n; no delay exceeds the cap. Half of the
delay is random ("equal jitter"), so messages that failed together (a broker restart) come
back spread out rather than all at once, and none comes back sooner than half its delay.
"""

from __future__ import annotations

import random

_MAX_EXPONENT = 62  # 2**62 seconds is far beyond any cap; keeps the float finite


def nominal_delay(attempt: int, *, base: float, cap: float) -> float:
    """The delay before retry number `attempt` (1 = the first retry), without jitter."""
    if attempt < 1:
        raise ValueError("attempts are counted from 1")
    return min(cap, base * 2 ** min(attempt - 1, _MAX_EXPONENT))


def backoff_delay(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """The jittered delay, in seconds, before retry number `attempt`."""
    nominal = nominal_delay(attempt, base=base, cap=cap)
    return nominal / 2 + (rng or _RNG).uniform(0, nominal / 2)


_RNG = random.SystemRandom()
