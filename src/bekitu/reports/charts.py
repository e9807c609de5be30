"""Charts as SVG drawn on the server: they need no script, print as they look, and carry
their own text alternative (a title and a description named by `aria-labelledby`); every
page puts the same figures in a table beside the chart. No Django here: the caller passes
labels in the reader's language.

Colours are presentation attributes, not style attributes, so the strict
Content-Security-Policy (style-src 'self') lets them through; they keep a contrast of at
least 3:1 against white (WCAG 1.4.11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

MALE = "#1f5f99"
FEMALE = "#b5452a"
INK = "#1b2733"
MUTED = "#5b6b7a"
GRID = "#d5dde4"
FLOW = "#00768a"
BAR = "#7b8d9e"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int = 12,
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}" font-family="sans-serif">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(h)}" fill="{fill}"/>'


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")  # a narrow no-break space groups thousands


# --- The population pyramid ------------------------------------------------------------------


def pyramid_svg(
    rows: Sequence[tuple[str, int, int]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    male: str,
    female: str,
) -> str:
    """Men to the left, women to the right, the oldest band on top; (band, men, women)."""
    width, label_w, top, bar_h, gap = 720, 64, 34, 20, 4
    half = (width - label_w) / 2 - 56
    peak = max([1, *(max(m, f) for _b, m, f in rows)])
    height = top + len(rows) * (bar_h + gap) + 12
    centre = width / 2
    body = [
        _text(centre - label_w / 2 - 4, 18, male, anchor="end", weight="bold", fill=MALE),
        _text(centre + label_w / 2 + 4, 18, female, weight="bold", fill=FEMALE),
    ]
    for i, (band, men, women) in enumerate(reversed(rows)):
        y = top + i * (bar_h + gap)
        wm, wf = half * men / peak, half * women / peak
        body.append(_rect(centre - label_w / 2 - wm, y, wm, bar_h, MALE))
        body.append(_rect(centre + label_w / 2, y, wf, bar_h, FEMALE))
        body.append(_text(centre, y + 14, band, anchor="middle"))
        body.append(
            _text(centre - label_w / 2 - wm - 4, y + 14, _number(men), anchor="end", size=11)
        )
        body.append(_text(centre + label_w / 2 + wf + 4, y + 14, _number(women), size=11))
    return _svg(chart_id, width, height, title, desc, body)


# --- Flows between providers -----------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    total: int
    y: float
    h: float


def _stack(
    totals: dict[str, int], labels: dict[str, str], top: float, height: float, gap: float
) -> dict[str, Node]:
    keys = sorted(totals, key=lambda k: -totals[k])
    scale = (height - gap * max(len(keys) - 1, 0)) / max(sum(totals.values()), 1)
    nodes, y = {}, top
    for key in keys:
        h = max(totals[key] * scale, 2.0)
        nodes[key] = Node(key, labels[key], totals[key], y, h)
        y += h + gap
    return nodes


def flows_svg(
    flows: Sequence[tuple[str, str, int]],
    labels: dict[str, str],
    *,
    chart_id: str,
    title: str,
    desc: str,
    limit: int = 14,
) -> str:
    """A two-column flow chart (sources left, targets right), each band as wide as the
    persons who moved; (source key, target key, persons), the `limit` largest flows drawn."""
    shown = sorted(flows, key=lambda f: -f[2])[:limit]
    width, height, top, node_w = 720, max(220, 26 * len({f[1] for f in shown}) + 60), 30, 14
    left_x, right_x = 250, width - 250
    sources: dict[str, int] = {}
    targets: dict[str, int] = {}
    for s, t, n in shown:
        sources[s] = sources.get(s, 0) + n
        targets[t] = targets.get(t, 0) + n
    inner = height - top - 10
    left = _stack(sources, labels, top, inner, 8)
    right = _stack(targets, labels, top, inner, 8)
    body: list[str] = []
    out_at = {k: n.y for k, n in left.items()}
    in_at = {k: n.y for k, n in right.items()}
    for s, t, n in shown:
        a, b = left[s], right[t]
        w_a, w_b = a.h * n / a.total, b.h * n / b.total
        y0, y1 = out_at[s] + w_a / 2, in_at[t] + w_b / 2
        out_at[s] += w_a
        in_at[t] += w_b
        mid = (left_x + node_w + right_x) / 2
        body.append(
            f'<path d="M{_n(left_x + node_w)},{_n(y0)} C{_n(mid)},{_n(y0)} {_n(mid)},{_n(y1)} '
            f'{_n(right_x)},{_n(y1)}" fill="none" stroke="{FLOW}" stroke-opacity="0.45" '
            f'stroke-width="{_n(max(min(w_a, w_b), 1.5))}"/>'
        )
    for node in left.values():
        body.append(_rect(left_x, node.y, node_w, node.h, INK))
        body.append(
            _text(
                left_x - 6,
                node.y + node.h / 2 + 4,
                f"{_short(node.label, 34)} · {_number(node.total)}",
                anchor="end",
                size=11,
            )
        )
    for node in right.values():
        body.append(_rect(right_x, node.y, node_w, node.h, INK))
        body.append(
            _text(
                right_x + node_w + 6,
                node.y + node.h / 2 + 4,
                f"{_short(node.label, 34)} · {_number(node.total)}",
                size=11,
            )
        )
    return _svg(chart_id, width, height, title, desc, body)


# --- A trend by week -------------------------------------------------------------------------


def trend_svg(
    weeks: Sequence[tuple[str, int, float | None]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    count_label: str,
    share_label: str,
) -> str:
    """Bars: applications received per week (left scale); line and dots: the share decided in
    time (right scale, 0-100 %); (week label, received, share or None)."""
    width, height, left, right, top, bottom = 720, 260, 48, 52, 30, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1, *(n for _w, n, _s in weeks)])
    step = plot_w / max(len(weeks), 1)
    body = [
        _text(left, 16, count_label, fill=BAR, weight="bold"),
        _text(width - right, 16, share_label, anchor="end", fill=FLOW, weight="bold"),
    ]
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}"/>'
        )
        body.append(_text(width - right + 4, y + 4, f"{pct} %", size=11, fill=MUTED))
        body.append(
            _text(
                left - 4, y + 4, _number(round(peak * pct / 100)), anchor="end", size=11, fill=MUTED
            )
        )
    points = []
    for i, (label, n, share) in enumerate(weeks):
        x = left + i * step
        h = plot_h * n / peak
        bar = min(step * 0.7, 48.0)
        body.append(_rect(x + (step - bar) / 2, top + plot_h - h, bar, h, BAR))
        if len(weeks) <= 16 or i % 2 == 0:
            body.append(_text(x + step / 2, height - bottom + 16, label, anchor="middle", size=11))
        if share is not None:
            points.append((x + step / 2, top + plot_h * (1 - share)))
    if points:
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{FLOW}" stroke-width="2.5"/>')
        body.extend(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{FLOW}"/>' for x, y in points)
    return _svg(chart_id, width, height, title, desc, body)


# --- Load of districts -----------------------------------------------------------------------


def bars_svg(
    rows: Sequence[tuple[str, float]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    reference: float | None = None,
    unit: str = "%",
) -> str:
    """Horizontal bars, one per row (label, value), with a reference line (e.g. 100 %)."""
    width, label_w, top, bar_h, gap = 720, 230, 12, 18, 6
    height = top + len(rows) * (bar_h + gap) + 24
    peak = max([1.0, reference or 0.0, *(v for _l, v in rows)])
    plot_w = width - label_w - 70
    body: list[str] = []
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = plot_w * value / peak
        body.append(_text(label_w - 6, y + 13, _short(label, 34), anchor="end", size=11))
        body.append(_rect(label_w, y, w, bar_h, BAR))
        body.append(_text(label_w + w + 4, y + 13, f"{_n(value)} {unit}".strip(), size=11))
    if reference is not None:
        x = label_w + plot_w * reference / peak
        body.append(
            f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{top - 6}" y2="{height - 18}" '
            f'stroke="{INK}" stroke-dasharray="4 3"/>'
        )
        body.append(
            _text(x, height - 4, f"{_n(reference)} {unit}".strip(), anchor="middle", size=11)
        )
    return _svg(chart_id, width, height, title, desc, body)
