"""What the browser tests do alike."""

from __future__ import annotations

from typing import Any


def go(page: Any, selector: str) -> None:
    """Click what `selector` finds and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)
