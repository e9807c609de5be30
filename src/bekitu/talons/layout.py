"""The page of the printed talon and refusal: a fixed A5 layout drawn straight on
ReportLab's canvas, in PT Sans.

Paragraphs are broken into lines by measuring their words in the document's font and placed
top-down as drawing operations; only when long names or a long justification would run into
the bottom strip is the content measured once more at the smaller size that fits. No page
layout engine runs, so a page costs a few milliseconds to draw.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from bekitu.core.fonts import FONT, FONT_BOLD

MARGIN = 11 * mm
# The bottom strip of the page is kept free of the content: the signature stamp goes at its
# left (STAMP_BOX) and the QR code at its right.
BOTTOM_STRIP = 32 * mm
QR_SIDE = 27 * mm
# Four modules of white around the QR symbol: the quiet zone readers need.
QR_QUIET_ZONE = 4
WIDTH = A5[0] - 2 * MARGIN
TOP = A5[1] - MARGIN
AVAILABLE = TOP - BOTTOM_STRIP
LABEL_WIDTH = 47 * mm
INK = colors.HexColor("#1b2733")
GREY = colors.HexColor("#3d4a57")
RULE = colors.HexColor("#8a97a3")
SHADE = colors.HexColor("#f1f4f6")


# --- Text: a little markup (<b>, </b>, <br/>, &amp; &lt; &gt;), wrapped in the page's font ---


@dataclass(frozen=True)
class _Style:
    size: float
    bold: bool = False
    centred: bool = False
    color: colors.Color = INK


_STYLES = {
    "org": _Style(9.5, bold=True, centred=True),
    "orginfo": _Style(7.5, centred=True, color=GREY),
    "title": _Style(12.5, bold=True, centred=True),
    "title_long": _Style(10.5, bold=True, centred=True),
    "subtitle": _Style(8, centred=True),
    "number": _Style(11, bold=True, centred=True),
    "label": _Style(7.5),
    "value": _Style(9.5),
    "note": _Style(8),
    "small": _Style(7),
    "stamp": _Style(7.2),
}
_LEADING = 1.22  # line height, times the font size
_TAG = re.compile(r"(<b>|</b>|<br/>)")
_SPACE = re.compile(r"[ \t\r\n\f\v]+")

Run = tuple[str, bool]  # a piece of text and whether it is bold


def _font(bold: bool) -> str:
    return FONT_BOLD if bold else FONT


def _lines_of(markup: str, bold: bool) -> list[list[Run]]:
    """The markup's forced lines (split at <br/>), each a list of runs."""
    lines: list[list[Run]] = [[]]
    for piece in _TAG.split(markup):
        if piece == "<b>":
            bold = True
        elif piece == "</b>":
            bold = False
        elif piece == "<br/>":
            lines.append([])
        elif piece:
            lines[-1].append((html.unescape(piece), bold))
    return lines


def _words(runs: list[Run]) -> list[list[Run]]:
    """The runs cut into words at white space; a word may change font within itself."""
    words: list[list[Run]] = []
    current: list[Run] = []
    for text, bold in runs:
        for i, part in enumerate(_SPACE.split(text)):
            if i and current:
                words.append(current)
                current = []
            if part:
                current.append((part, bold))
    if current:
        words.append(current)
    return words


def _width(runs: list[Run], size: float) -> float:
    return sum(pdfmetrics.stringWidth(text, _font(bold), size) for text, bold in runs)


def _split_long(word: list[Run], size: float, width: float) -> list[list[Run]]:
    """A word wider than the line, cut into pieces that fit (a long address or number)."""
    pieces: list[list[Run]] = [[]]
    used = 0.0
    for text, bold in word:
        for char in text:
            step = pdfmetrics.stringWidth(char, _font(bold), size)
            if used + step > width and pieces[-1]:
                pieces.append([])
                used = 0.0
            pieces[-1].append((char, bold))
            used += step
    return [_merge(piece) for piece in pieces]


def _merge(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for text, bold in runs:
        if merged and merged[-1][1] == bold:
            merged[-1] = (merged[-1][0] + text, bold)
        else:
            merged.append((text, bold))
    return merged


def _join(words: list[list[Run]]) -> list[Run]:
    line: list[Run] = []
    for word in words:
        if line:
            line.append((" ", word[0][1]))
        line += word
    return _merge(line)


def _wrap(markup: str, bold: bool, size: float, width: float) -> list[list[Run]]:
    """The markup broken into lines no wider than `width`, word by word."""
    space = pdfmetrics.stringWidth(" ", FONT, size)
    out: list[list[Run]] = []
    for forced in _lines_of(markup, bold):
        words = _words(forced)
        whole = _join(words)
        if _width(whole, size) <= width:  # the usual case: the line fits as it is
            out.append(whole)
            continue
        line: list[Run] = []
        used = 0.0
        for word in words:
            word_width = _width(word, size)
            if line and used + space + word_width <= width:
                line.append((" ", word[0][1]))
                line += word
                used += space + word_width
                continue
            if line:
                out.append(_merge(line))
            if word_width > width:
                *full, word = _split_long(word, size, width)
                out += full
                word_width = _width(word, size)
            line, used = list(word), word_width
        out.append(_merge(line))
    return out


# Bounded: a page shrunk to fit measures its wording again at its own smaller size.
@lru_cache(maxsize=1024)
def _wrap_fixed(markup: str, bold: bool, size: float, width: float) -> list[list[Run]]:
    """`_wrap` for the documents' own wording, which is the same on every page: measured
    once per process and size (the lines are only read afterwards)."""
    return _wrap(markup, bold, size, width)


# --- The page: laid out top-down as drawing operations, then drawn ---


@dataclass(frozen=True)
class _Text:
    x: float  # left end of the line
    y: float  # baseline, from the top of the content area
    runs: list[Run]
    size: float
    color: colors.Color


@dataclass(frozen=True)
class _Line:
    x1: float
    y1: float
    x2: float
    y2: float
    thickness: float
    color: colors.Color


@dataclass(frozen=True)
class _Box:
    x: float
    y: float  # top edge
    width: float
    height: float


Op = _Text | _Line | _Box


@dataclass(frozen=True)
class P:
    """A paragraph of markup in a style; `fixed` when it is the documents' own wording
    (never a person's data), whose lines are then kept for the next page."""

    markup: str
    style: str
    fixed: bool = False


@dataclass(frozen=True)
class Space:
    height: float


@dataclass(frozen=True)
class Rule:
    """A full-width line under the letterhead."""

    thickness: float
    after: float


@dataclass(frozen=True)
class Fields:
    """The table of bilingual labels and values."""

    rows: list[tuple[tuple[str, str], str]]


@dataclass(frozen=True)
class Boxed:
    """Paragraphs in a shaded frame."""

    items: list[P | Space]


Item = P | Space | Rule | Fields | Boxed


@dataclass
class Sheet:
    """The content laid out at one scale (every size and space times `scale`)."""

    scale: float
    y: float = 0.0
    ops: list[Op] = field(default_factory=list)

    def paragraph(self, item: P, x: float, width: float, y: float) -> float:
        """Lay out a paragraph whose top is at `y`; returns its height."""
        return self.emit(self.wrap(item, width), x, width, y)

    def wrap(self, item: P, width: float) -> tuple[_Style, float, list[list[Run]]]:
        """The paragraph's style, type size at this scale and lines."""
        style = _STYLES[item.style]
        size = style.size * self.scale
        wrap = _wrap_fixed if item.fixed else _wrap
        return style, size, wrap(item.markup, style.bold, size, width)

    def emit(
        self, wrapped: tuple[_Style, float, list[list[Run]]], x: float, width: float, y: float
    ) -> float:
        """Place wrapped lines whose top is at `y`; returns their height."""
        style, size, lines = wrapped
        leading = size * _LEADING
        ascent = pdfmetrics.getAscent(_font(style.bold), size)
        for i, runs in enumerate(lines):
            left = x
            if style.centred:
                left += (width - _width(runs, size)) / 2
            self.ops.append(_Text(left, y + ascent + i * leading, runs, size, style.color))
        return len(lines) * leading

    def place(self, items: list[Item], x: float = 0.0, width: float = WIDTH) -> None:
        for item in items:
            if isinstance(item, P):
                self.y += self.paragraph(item, x, width, self.y)
            elif isinstance(item, Space):
                self.y += item.height * self.scale
            elif isinstance(item, Rule):
                self.y += 1 * self.scale
                self.ops.append(_Line(x, self.y, x + width, self.y, item.thickness, INK))
                self.y += item.thickness + item.after * self.scale
            elif isinstance(item, Fields):
                self._fields(item, x, width)
            else:
                self._boxed(item, x, width)

    def _fields(self, item: Fields, x: float, width: float) -> None:
        top, bottom, left, right = (p * self.scale for p in (1.6, 2.2, 2, 6))
        self.ops.append(_Line(x, self.y, x + width, self.y, 0.4, RULE))
        columns = (
            (x + left, LABEL_WIDTH - left - right),
            (x + LABEL_WIDTH + left, width - LABEL_WIDTH - left - right),
        )
        for (kk, ru), value in item.rows:
            cells = [
                self.wrap(P(f"<b>{kk}</b><br/>{ru}", "label", fixed=True), columns[0][1]),
                self.wrap(P(value, "value"), columns[1][1]),
            ]
            heights = [len(lines) * size * _LEADING for _style, size, lines in cells]
            inner = max(heights)
            for cell, (cx, cw), h in zip(cells, columns, heights, strict=True):
                self.emit(cell, cx, cw, self.y + top + (inner - h) / 2)  # centred in the row
            self.y += inner + top + bottom
            self.ops.append(_Line(x, self.y, x + width, self.y, 0.4, RULE))

    def _boxed(self, item: Boxed, x: float, width: float) -> None:
        top, bottom, side = 3 * self.scale, 4 * self.scale, 6 * self.scale
        box = len(self.ops)
        self.ops.append(_Box(x, self.y, width, 0))  # its height is known once filled
        start = self.y
        self.y += top
        self.place(list(item.items), x + side, width - 2 * side)
        self.y += bottom
        self.ops[box] = _Box(x, start, width, self.y - start)


def _sheet(items: list[Item], scale: float) -> Sheet:
    sheet = Sheet(scale)
    sheet.place(items)
    return sheet


def lay_out(items: list[Item]) -> Sheet:
    """The content at full size, or shrunk just enough to stay above the bottom strip:
    whatever the length of the names, the document stays on one page."""
    sheet = _sheet(items, 1.0)
    if sheet.y <= AVAILABLE:
        return sheet
    # Smaller type never takes more lines, so the height shrinks at least as the scale: this
    # scale fits. Long text takes fewer lines too, so it may fit larger: the largest scale
    # that fits is searched between the two, to within 2 %.
    too_big = sheet.scale
    sheet = _sheet(items, sheet.scale * AVAILABLE / sheet.y * 0.995)
    while too_big / sheet.scale > 1.02:
        middle = _sheet(items, (sheet.scale + too_big) / 2)
        if middle.y <= AVAILABLE:
            sheet = middle
        else:
            too_big = middle.scale
    return sheet


def draw(canvas: Canvas, ops: list[Op], left: float, top: float) -> None:
    """Draw laid-out operations; `left`, `top`: where the layout's origin is on the page."""
    canvas.setFillColor(SHADE)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    for op in ops:
        if isinstance(op, _Box):
            canvas.rect(left + op.x, top - op.y - op.height, op.width, op.height, stroke=1, fill=1)
    text = canvas.beginText()
    for op in ops:
        if isinstance(op, _Line):
            canvas.setStrokeColor(op.color)
            canvas.setLineWidth(op.thickness)
            canvas.line(left + op.x1, top - op.y1, left + op.x2, top - op.y2)
        elif isinstance(op, _Text):
            text.setFillColor(op.color)
            text.setTextOrigin(left + op.x, top - op.y)
            for run, bold in op.runs:
                text.setFont(_font(bold), op.size)
                text.textOut(run)
    canvas.drawText(text)


def qr_matrix(text: str) -> list[list[bool]]:
    """The dark (True) and light modules of the QR symbol for `text` (error correction M
    at least), quiet zone included."""
    symbol = segno.make_qr(text, error="m")
    return [[bool(m) for m in row] for row in symbol.matrix_iter(scale=1, border=QR_QUIET_ZONE)]


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


def draw_qr(canvas: Canvas, text: str, x: float, y: float, side: float) -> None:
    """The QR symbol as vector squares: sharp at any print size, no image in the file."""
    modules = qr_matrix(text)
    rows = len(modules)
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.translate(x, y)
    # Drawn in module units (one path, whole numbers), which keeps the page's content
    # stream a few hundred bytes instead of kilobytes of decimals.
    canvas.scale(side / rows, side / rows)
    path = canvas.beginPath()
    for row_number, row in enumerate(modules):
        for start, length in dark_runs(row):
            # A hair taller than a module, so no light seam shows between rows.
            path.rect(start, rows - 1 - row_number, length, 1.02)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
