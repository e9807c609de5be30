"""The QR code on a talon: it leads to the public verification page of that talon.

It is drawn as vector squares straight into the PDF, so it stays sharp at any print size and
needs no image library.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from reportlab.lib.colors import black
from reportlab.platypus import Flowable

# Four modules of white around the symbol: the quiet zone readers need.
QUIET_ZONE = 4


def verification_url(code: str) -> str:
    """The public address that checks the talon with this verification code."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{code}"


def qr_modules(text: str) -> list[list[bool]]:
    """The dark (True) and light modules of the QR symbol for `text`, quiet zone included."""
    symbol = segno.make_qr(text, error="m")
    return [[bool(m) for m in row] for row in symbol.matrix_iter(scale=1, border=QUIET_ZONE)]


class QrFlowable(Flowable):
    """A QR symbol of the given side (in points) for ReportLab's page layout."""

    def __init__(self, text: str, side: float) -> None:
        super().__init__()
        self.modules = qr_modules(text)
        self.width = self.height = side

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas: Any = self.canv
        rows = len(self.modules)
        canvas.saveState()
        canvas.setFillColor(black)
        # Drawn in module units (one path, whole numbers), which keeps the page's content
        # stream a few hundred bytes instead of kilobytes of decimals.
        canvas.scale(self.width / rows, self.height / rows)
        path = canvas.beginPath()
        for y, row in enumerate(self.modules):
            for start, length in dark_runs(row):
                # A hair taller than a module, so no light seam shows between rows.
                path.rect(start, rows - 1 - y, length, 1.02)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()


def dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row: one rectangle per run."""
    runs: list[tuple[int, int]] = []
    start = None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs
