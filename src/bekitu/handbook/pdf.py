"""The printable handbook (R11), in Kazakh or Russian: each diagram drawn from the same
layout as its BPMN file, and for each procedure its role, input, output, duration and
clauses. ReportLab with PT Sans, which has every Kazakh letter."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from itertools import pairwise

from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import KeepTogether

from bekitu.core.fonts import FONT, FONT_BOLD, register_fonts
from bekitu.handbook.clauses import CLAUSES
from bekitu.handbook.content import procedures
from bekitu.handbook.diagrams import DIAGRAMS
from bekitu.handbook.model import Box, Diagram, Layout, Text, layout

INK = colors.HexColor("#1b2733")
ACCENT = colors.HexColor("#00768a")

WORDS = {
    "title": Text(
        "Справочник бизнес-процессов оказания государственной услуги",
        "Мемлекеттік қызмет көрсетудің бизнес-процестерінің анықтамалығы",
        "Handbook of the business processes of the state service",
    ),
    "service": Text(
        "«Прикрепление к медицинской организации, оказывающей первичную медико-санитарную помощь»",
        "«Медициналық-санитариялық алғашқы көмек көрсететін медициналық ұйымға бекіту»",
        "“Attachment to a medical organization providing primary health care”",
    ),
    "basis": Text(
        "Приложения 1 и 2 к регламенту государственной услуги, восстановленные по его пунктам.",
        "Мемлекеттік көрсетілетін қызмет регламентінің 1 және 2-қосымшалары, оның тармақтары "
        "бойынша қалпына келтірілген.",
        "Appendices 1 and 2 of the regulation of the state service, rebuilt from its clauses.",
    ),
    "procedure": Text("Процедура", "Рәсім", "Procedure"),
    "role": Text("Исполнитель", "Орындаушы", "Role"),
    "input": Text("Вход", "Кіріс", "Input"),
    "output": Text("Результат", "Нәтиже", "Output"),
    "duration": Text("Продолжительность", "Орындалу ұзақтығы", "Duration"),
    "clauses": Text("Пункты регламента", "Регламенттің тармақтары", "Clauses"),
    "procedures": Text("Процедуры", "Рәсімдер", "Procedures"),
    "term": Text("Срок оказания услуги", "Қызмет көрсету мерзімі", "Term of the service"),
    "clause_texts": Text("Пункты регламента", "Регламенттің тармақтары", "The clauses"),
}


def _style(name: str, size: float, *, bold: bool = False, **kw: object) -> ParagraphStyle:
    font = FONT_BOLD if bold else FONT
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.25, **kw)


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Words broken into lines no wider than `width` at this font size."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and pdfmetrics.stringWidth(candidate, FONT, size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


class DiagramDrawing(Flowable):
    """A diagram drawn with the layout of its BPMN file, scaled to the frame."""

    def __init__(self, diagram: Diagram, language: str) -> None:
        super().__init__()
        self.diagram, self.language = diagram, language
        self.placed: Layout = layout(diagram)
        pools = [self.placed.shapes[p.id] for p in diagram.pools]
        self.left = min(b.x for b in pools)
        self.top = min(b.y for b in pools)
        self.width_units = max(b.right for b in pools) - self.left
        self.height_units = max(b.bottom for b in pools) - self.top
        self.scale = 1.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.scale = min(available_width / self.width_units, available_height / self.height_units)
        return self.width_units * self.scale, self.height_units * self.scale

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.left) * self.scale, (self.top + self.height_units - y) * self.scale

    def _text(self, text: str, box: Box, size: float, *, vertical: bool = False) -> None:
        c = self.canv
        c.setFont(FONT, size)
        c.setFillColor(INK)
        width = (box.height if vertical else box.width) * self.scale - 4
        lines = _wrap(text, width, size)
        cx, cy = self._xy(box.cx, box.cy)
        first = (len(lines) - 1) * size * 1.15 / 2
        c.saveState()
        c.translate(cx, cy)
        if vertical:
            c.rotate(90)
        for i, line in enumerate(lines):
            c.drawCentredString(0, first - i * size * 1.15 - size / 3, line)
        c.restoreState()

    def draw(self) -> None:
        c = self.canv
        c.setLineWidth(0.6)
        c.setStrokeColor(INK)
        size = 11 * self.scale  # the viewer's 11 px, to scale, so names fit their shapes
        for pool in self.diagram.pools:
            self._rect(self.placed.shapes[pool.id])
            header = self.placed.shapes[pool.id]
            band = Box(header.x, header.y, 30, header.height)
            if pool.is_black_box:
                self._text(pool.name.get(self.language), header, size)
            else:
                self._line(band.right, band.y, band.right, band.bottom)
                self._text(pool.name.get(self.language), band, size, vertical=True)
            for lane in pool.lanes:
                box = self.placed.shapes[lane.id]
                self._rect(box)
                self._line(box.x + 30, box.y, box.x + 30, box.bottom)
                self._text(
                    lane.name.get(self.language),
                    Box(box.x, box.y, 30, box.height),
                    size,
                    vertical=True,
                )
        self._edges(size)
        for pool in self.diagram.pools:
            for node in pool.nodes:
                self._node(node.kind, node.id, node.name.get(self.language), size)
        for note in self.diagram.annotations:
            box = self.placed.shapes[note.id]
            self._line(box.x + 8, box.y, box.x, box.y)
            self._line(box.x, box.y, box.x, box.bottom)
            self._line(box.x, box.bottom, box.x + 8, box.bottom)
            self._text(note.text.get(self.language), box, size)

    def _rect(self, box: Box, radius: float = 0) -> None:
        x, y = self._xy(box.x, box.bottom)
        w, h = box.width * self.scale, box.height * self.scale
        if radius:
            self.canv.roundRect(x, y, w, h, radius * self.scale, stroke=1, fill=1)
        else:
            self.canv.rect(x, y, w, h, stroke=1, fill=0)

    def _line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.canv.line(*self._xy(x1, y1), *self._xy(x2, y2))

    def _node(self, kind: str, node_id: str, name: str, size: float) -> None:
        c, box = self.canv, self.placed.shapes[node_id]
        c.setFillColor(colors.white)
        cx, cy = self._xy(box.cx, box.cy)
        if kind.endswith("ask"):
            self._rect(box, radius=10)
            self._text(name, Box(box.x + 4, box.y, box.width - 8, box.height), size)
            return
        if kind == "exclusiveGateway":
            r = box.width / 2 * self.scale
            path = c.beginPath()
            path.moveTo(cx, cy + r)
            for dx, dy in ((r, 0), (0, -r), (-r, 0)):
                path.lineTo(cx + dx, cy + dy)
            path.close()
            c.drawPath(path, stroke=1, fill=1)
            d = r * 0.35
            c.line(cx - d, cy - d, cx + d, cy + d)
            c.line(cx - d, cy + d, cx + d, cy - d)
        else:
            c.setLineWidth(2.2 if kind == "endEvent" else 0.6)
            c.circle(cx, cy, box.width / 2 * self.scale, stroke=1, fill=1)
            c.setLineWidth(0.6)
        label = self.placed.labels.get(node_id)
        if label is not None and name:
            self._text(name, label, size * 0.85)

    def _edges(self, size: float) -> None:
        c = self.canv
        messages = {m.id: m for m in self.diagram.message_flows}
        names = {f.id: f.name for p in self.diagram.pools for f in p.flows if f.name}
        for edge_id, points in self.placed.edges.items():
            if edge_id in messages:
                c.setDash(3, 2)
            xy = [self._xy(x, y) for x, y in points]
            for (x1, y1), (x2, y2) in pairwise(xy):
                c.line(x1, y1, x2, y2)
            c.setDash()
            self._arrow(xy[-2], xy[-1])
            name = messages[edge_id].name if edge_id in messages else names.get(edge_id)
            label = self.placed.labels.get(edge_id)
            if name is not None and label is not None:
                self._text(name.get(self.language), label, size * 0.8)

    def _arrow(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        angle = math.atan2(end[1] - start[1], end[0] - start[0])
        length = max(2.5, 9 * self.scale)
        c = self.canv
        c.setFillColor(INK)
        path = c.beginPath()
        path.moveTo(*end)
        for turn in (2.7, -2.7):
            path.lineTo(
                end[0] + length * math.cos(angle + turn), end[1] + length * math.sin(angle + turn)
            )
        path.close()
        c.drawPath(path, stroke=0, fill=1)


def _procedure_table(diagram: Diagram, language: str) -> Table:
    head = _style("head", 8.5, bold=True)
    cell = _style("cell", 8.5)
    header = [
        Paragraph(WORDS[k].get(language), head)
        for k in ("procedure", "role", "input", "output", "duration", "clauses")
    ]
    rows = [header]
    for item in procedures(diagram, language):
        rows.append(
            [
                Paragraph(item.name, cell),
                Paragraph(item.role, cell),
                Paragraph(item.input or "—", cell),
                Paragraph(item.output or "—", cell),
                Paragraph(item.duration or "—", cell),
                Paragraph(", ".join(c["id"] for c in item.clauses), cell),
            ]
        )
    table = Table(
        rows, colWidths=[60 * mm, 40 * mm, 48 * mm, 48 * mm, 32 * mm, 28 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d5dde4")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _cited(diagrams: Iterable[Diagram]) -> list[str]:
    cited = {c for d in diagrams for p in d.pools for n in p.nodes for c in n.clauses}
    cited |= {c for d in diagrams for m in d.message_flows for c in m.clauses}
    cited |= {"R5.3", "R9.13", "R10", "R11"}
    return [c for c in CLAUSES if c in cited]


def _page(name: str, size: tuple[float, float]) -> PageTemplate:
    margin = 12 * mm
    frame = Frame(margin, margin, size[0] - 2 * margin, size[1] - 2 * margin, id=name)
    return PageTemplate(id=name, frames=[frame], pagesize=size)


def handbook_pdf(language: str) -> bytes:
    """The whole handbook as a PDF in one language (Kazakh or Russian, as published)."""
    register_fonts()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=landscape(A4),
        title=WORDS["title"].get(language),
        author="Bekitu",
        lang=language,
    )
    # A4 across for text and the Appendix 2 processes; A3 across for Appendix 1, whose
    # seven systems and nineteen columns would be unreadable on A4.
    doc.addPageTemplates([_page("A4", landscape(A4)), _page("A3", landscape(A3))])
    h1, h2, body = (
        _style("h1", 18, bold=True, textColor=ACCENT),
        _style("h2", 13, bold=True),
        _style("body", 10),
    )
    story: list[Flowable] = [
        Paragraph(WORDS["title"].get(language), h1),
        Paragraph(WORDS["service"].get(language), _style("svc", 13)),
        Spacer(1, 4 * mm),
        Paragraph(WORDS["basis"].get(language), body),
        Spacer(1, 2 * mm),
        Paragraph(f"{WORDS['term'].get(language)}: {CLAUSES['R5.3'].get(language)}", body),
    ]
    for diagram in DIAGRAMS.values():
        wide = diagram.columns > 12
        story += [NextPageTemplate("A3" if wide else "A4"), PageBreak()]
        story += [Paragraph(diagram.title.get(language), h2), Spacer(1, 3 * mm)]
        story.append(DiagramDrawing(diagram, language))
        story.append(NextPageTemplate("A4"))
        if not wide:
            story += [
                PageBreak(),
                Paragraph(
                    f"{diagram.title.get(language)}: {WORDS['procedures'].get(language)}", h2
                ),
            ]
            story += [Spacer(1, 3 * mm), _procedure_table(diagram, language)]
    story += [PageBreak(), Paragraph(WORDS["clause_texts"].get(language), h2), Spacer(1, 2 * mm)]
    for clause in _cited(DIAGRAMS.values()):
        story.append(
            KeepTogether(Paragraph(f"<b>{clause}.</b> {CLAUSES[clause].get(language)}", body))
        )
        story.append(Spacer(1, 1.5 * mm))
    doc.build(story)
    return out.getvalue()
