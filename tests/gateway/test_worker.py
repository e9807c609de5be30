"""The loop of `bekitu gateway run`: how often it asks when there is nothing to do."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bekitu.gateway import worker
from bekitu.gateway.worker import PassReport, Stop, passes_until


def _run_for(seconds: float, *, wait: float) -> None:
    stop = Stop()
    timer = threading.Timer(seconds, lambda: setattr(stop, "stopped", True))
    timer.start()
    try:
        passes_until(stop, wait=wait, limit=10)
    finally:
        timer.cancel()


def test_with_no_local_route_an_idle_worker_passes_once_per_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passes: list[Any] = []
    monkeypatch.setattr(worker, "local_route_ids", lambda: [])
    monkeypatch.setattr(
        worker, "gateway_pass", lambda **kwargs: passes.append(kwargs) or PassReport()
    )

    _run_for(1.0, wait=0.25)

    # About four passes in a second (one per 0.25 s), not as many as the CPU allows.
    assert 2 <= len(passes) <= 6
    assert all(p["route_ids"] == [] for p in passes)


def test_a_busy_pass_is_followed_by_the_next_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[Any] = []

    def busy(**kwargs: Any) -> PassReport:
        passes.append(kwargs)
        report = PassReport()
        report.relayed.sent = 1
        return report

    monkeypatch.setattr(worker, "local_route_ids", lambda: ["123456789012"])
    monkeypatch.setattr(worker, "gateway_pass", busy)

    _run_for(0.3, wait=0.25)

    # While there is work the loop does not pause: many passes in 0.3 s, not one or two.
    assert len(passes) > 20
