"""The printable talon and refusal: one A5 page each, in Kazakh and Russian, as official
documents are. The texts here are the document's own wording in both state languages, so they
do not follow the reader's interface language.

Rendering is pure (values in, PDF bytes out); signing with the provider's key is the caller's.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import fontpkg_pt_sans
from django.conf import settings
from fontTools import subset
from fontTools import ttLib as fonttools
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    HRFlowable,
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from bekitu.talons import wording as w
from bekitu.talons.qr import QrFlowable
from bekitu.talons.xml import TalonContent

FONT, FONT_BOLD = "PTSans", "PTSans-Bold"
MARGIN = 11 * mm
# The bottom strip of the page is kept free: the provider's signature stamp goes at its left
# (eds.signing puts it at x 36-300 pt, y 24-84 pt) and the QR code at its right.
BOTTOM_STRIP = 32 * mm
QR_SIDE = 27 * mm
WIDTH = A5[0] - 2 * MARGIN
LABEL_WIDTH = 47 * mm
INK = colors.HexColor("#1b2733")
RULE = colors.HexColor("#8a97a3")


# What a talon or a refusal can print: Latin, the whole Cyrillic block (every Kazakh letter
# is in it), the punctuation of names and addresses, the number sign and the tenge.
_CHARACTERS = (
    set(range(0x20, 0x7F))
    | set(range(0xA0, 0x180))
    | set(range(0x400, 0x530))
    | set(range(0x2010, 0x2030))
    | {0x2116, 0x20B8}
)


def _lean_font(path: Path) -> io.BytesIO:
    """The font cut down to `_CHARACTERS`, without hinting or layout tables: printing at
    A5 needs neither, and each embedded subset is then a few KiB instead of 48."""
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GPOS", "GSUB", "GDEF", "kern", "DSIG"]
    options.name_IDs = [1, 2, 4, 6]
    font = fonttools.TTFont(str(path))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_CHARACTERS)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    out.seek(0)
    return out


@cache
def register_fonts() -> None:
    """Register PT Sans (ParaType's public font, made for the languages of Kazakhstan and
    Russia) once per process: static TTFs that carry every Kazakh letter."""
    # Streams are compressed only, not also ASCII85-encoded: a quarter smaller, and every
    # PDF reader takes binary streams.
    rl_config.useA85 = 0
    files = fontpkg_pt_sans.ROOT / "files"
    pdfmetrics.registerFont(TTFont(FONT, _lean_font(files / "PT_Sans-Web-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, _lean_font(files / "PT_Sans-Web-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def _style(name: str, size: float, **kw: Any) -> ParagraphStyle:
    font = FONT_BOLD if kw.pop("bold", False) else FONT
    kw.setdefault("textColor", INK)
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.22, **kw)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    return {
        "org": _style("org", 9.5, bold=True, alignment=TA_CENTER),
        "orginfo": _style(
            "orginfo", 7.5, alignment=TA_CENTER, textColor=colors.HexColor("#3d4a57")
        ),
        "title": _style("title", 12.5, bold=True, alignment=TA_CENTER, spaceAfter=1),
        "title_long": _style("title_long", 10.5, bold=True, alignment=TA_CENTER, spaceAfter=1),
        "subtitle": _style("subtitle", 8, alignment=TA_CENTER),
        "number": _style("number", 11, bold=True, alignment=TA_CENTER),
        "label": _style("label", 7.5),
        "value": _style("value", 9.5),
        "note": _style("note", 8),
        "small": _style("small", 7),
    }


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(text, _styles()[style])


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _date(day: dt.date) -> str:
    return f"{day:%d.%m.%Y}"


def _moment(moment: dt.datetime) -> str:
    return f"{_local(moment):%d.%m.%Y %H:%M}"


def _label(kk: str, ru: str) -> Paragraph:
    return _p(f"<b>{kk}</b><br/>{ru}", "label")


def _letterhead(
    name_kk: str, name_ru: str, bin: str, address: str, phone: str, hours: str = ""
) -> list[Any]:
    contact = f"{w.BIN}: {bin} · {_esc(address)}"
    if phone:
        contact += f" · {w.PHONE} {_esc(phone)}"
    if hours:
        contact += f" · {w.HOURS[0]} / {w.HOURS[1]} {_esc(hours)}"
    return [
        _p(_esc(name_kk), "org"),
        _p(_esc(name_ru), "org"),
        Spacer(1, 1.2 * mm),
        _p(contact, "orginfo"),
        Spacer(1, 1.5 * mm),
        HRFlowable(width="100%", thickness=1.2, color=INK, spaceAfter=3 * mm),
    ]


def _heading(
    title: tuple[str, str], subtitle: tuple[str, str], number: str, style: str = "title"
) -> list[Any]:
    return [
        _p(title[0], style),
        _p(title[1], style),
        _p(f"{subtitle[0]}<br/>{subtitle[1]}", "subtitle"),
        Spacer(1, 2 * mm),
        _p(f"№ {_esc(number)}", "number"),
        Spacer(1, 2 * mm),
    ]


def _fields(rows: list[tuple[tuple[str, str], str]]) -> Table:
    data = [[_label(*label), _p(value, "value")] for label, value in rows]
    table = Table(data, colWidths=[LABEL_WIDTH, WIDTH - LABEL_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("LINEABOVE", (0, 0), (-1, 0), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _boxed(paragraphs: list[Paragraph]) -> Table:
    table = Table([[paragraphs]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, INK),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f1f4f6")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


# Where the signature's stamp stands: the box of the signature field (eds.signing), drawn by
# the document itself in its own font, so it speaks Kazakh and Russian.
STAMP_BOX = (36, 24, 264, 60)  # x, y, width, height in points, bottom left of the page


def stamp_lines(name_ru: str, bin: str, moment: dt.datetime) -> tuple[str, ...]:
    """The signature stamp's text: that the provider signed with its EDS, who, when."""
    return (
        f"<b>{w.STAMP[0]}</b>",
        f"<b>{w.STAMP[1]}</b>",
        f"{_esc(name_ru)}, {w.BIN} {bin}",
        _moment(moment),
    )


def _draw_stamp(canvas: Any, lines: tuple[str, ...]) -> None:
    x, y, width, height = STAMP_BOX
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.roundRect(x, y, width, height, 4)
    style = _style("stamp", 7.2)
    top = y + height - 4
    for line in lines:
        paragraph = Paragraph(line, style)
        _w, h = paragraph.wrap(width - 10, height)
        top -= h
        paragraph.drawOn(canvas, x + 5, top)


def _render(
    story: list[Flowable],
    *,
    title: str,
    author: str,
    subject: str,
    qr_text: str | None = None,
    stamp: tuple[str, ...] | None = None,
) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A5,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=BOTTOM_STRIP,
        title=title,
        author=author,
        subject=subject,
        creator="Bekitu",
        lang="kk-KZ",
    )

    def bottom_strip(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, BOTTOM_STRIP - 1 * mm, A5[0] - MARGIN, BOTTOM_STRIP - 1 * mm)
        if qr_text:
            QrFlowable(qr_text, QR_SIDE).drawOn(canvas, A5[0] - MARGIN - QR_SIDE, 3.5 * mm)
        if stamp:
            _draw_stamp(canvas, stamp)
        canvas.restoreState()

    # Whatever the length of the names, the document stays on one page.
    frame = KeepInFrame(doc.width, doc.height, story, mode="shrink")
    doc.build([frame], onFirstPage=bottom_strip, onLaterPages=bottom_strip)
    return buffer.getvalue()


def _talon_rows(c: TalonContent) -> list[tuple[tuple[str, str], str]]:
    district = "—"
    if c.district_number is not None:
        district = f"№ {c.district_number}"
        if c.district_kind:
            district += f" ({w.DISTRICT_KINDS[c.district_kind]})"
    doctor = "—"
    if c.doctor_name:
        doctor = _esc(c.doctor_name)
        if c.doctor_specialty:
            doctor += f", {w.SPECIALTIES[c.doctor_specialty]}"
    return [
        (w.ISSUED_AT, _moment(c.issued_at)),
        (w.FULL_NAME, f"<b>{_esc(c.full_name)}</b>"),
        (w.IIN, c.person_iin),
        (w.BIRTH_DATE, _date(c.birth_date)),
        (w.ADDRESS, _esc(c.person_address) or "—"),
        (w.DISTRICT, district),
        (w.DOCTOR, doctor),
        (w.EFFECTIVE_DATE, f"<b>{_date(c.effective_date)}</b>"),
        (w.HOME_VISITS, w.YES if c.home_visits else w.NO),
        (w.APPLICATION_NUMBER, _esc(c.application_number)),
        (w.CHANNEL, w.CHANNELS[c.channel]),
        *([(w.ISSUED_BY, _esc(c.issued_by))] if c.issued_by else []),
    ]


def _verification_block(
    url: str, code: str, verify: tuple[str, str] = w.VERIFY, *, signed: bool = True
) -> list[Any]:
    grouped = f"{code[:5]}-{code[5:]}"
    if signed:
        signature = [_p(f"{w.SIGNED_EDS[0]}<br/>{w.SIGNED_EDS[1]}", "small")]
    else:
        # R3.1: a paper talon while the provider's key is unavailable, signed by hand.
        line = "_" * 28
        signature = [
            _boxed([_p(w.SIGNATURE_PENDING[0], "note"), _p(w.SIGNATURE_PENDING[1], "note")]),
            Spacer(1, 4 * mm),
            _p(f"{w.OFFICIAL[0]} / {w.OFFICIAL[1]} {line} ({w.SIGNATURE})", "note"),
            Spacer(1, 2 * mm),
            _p(w.STAMP_PLACE, "note"),
        ]
    return [
        _p(f"<b>{verify[0]}</b><br/>{verify[1]}", "note"),
        Spacer(1, 1 * mm),
        _p(f"{_esc(url)}<br/>{w.CODE[0]} / {w.CODE[1]}: <b>{grouped}</b>", "note"),
        Spacer(1, 2.5 * mm),
        *signature,
    ]


def render_talon_pdf(content: TalonContent) -> bytes:
    """The talon as an unsigned one-page A5 PDF in Kazakh and Russian, with its QR code."""
    c = content
    story: list[Any] = _letterhead(
        c.provider_name_kk,
        c.provider_name_ru,
        c.provider_bin,
        c.provider_address,
        c.provider_phone,
        c.provider_hours,
    )
    story += _heading(w.TALON_TITLE, w.SERVICE_NAME, c.number)
    story.append(_fields(_talon_rows(c)))
    story.append(Spacer(1, 2.5 * mm))
    if not c.home_visits:
        story += [_boxed([_p(w.NO_HOME_VISITS[0], "note"), _p(w.NO_HOME_VISITS[1], "note")])]
        story.append(Spacer(1, 2.5 * mm))
    story += _verification_block(c.verification_url, c.code, signed=c.signed)
    return _render(
        story,
        title=f"{w.TALON_TITLE[0]} {c.number}",
        author=c.provider_name_ru,
        subject=w.SERVICE_NAME[1],
        qr_text=c.verification_url,
        stamp=stamp_lines(c.provider_name_ru, c.provider_bin, c.issued_at) if c.signed else None,
    )


@dataclass(frozen=True)
class RefusalContent:
    """Everything a refusal says, as plain values."""

    number: str
    decided_at: dt.datetime
    application_number: str
    channel: str
    person_iin: str
    full_name: str
    birth_date: dt.date
    provider_bin: str
    provider_name_kk: str
    provider_name_ru: str
    provider_address: str
    provider_phone: str
    reason_text_kk: str
    reason_text_ru: str
    legal_ground: str
    signed: bool
    code: str = ""  # the verification code printed under the QR code
    verification_url: str = ""
    issued_by: str = ""  # the specialist's name
    # The fields of the recipient's data that differ from the register (R4-1), as codes.
    differing: tuple[str, ...] = ()
    justification: str = ""


def _refusal_signature(signed: bool) -> list[Any]:
    if signed:
        return [Spacer(1, 2 * mm), _p(f"{w.SIGNED_EDS[0]}<br/>{w.SIGNED_EDS[1]}", "small")]
    line = "_" * 28
    return [
        Spacer(1, 4 * mm),
        _p(f"{w.OFFICIAL[0]} / {w.OFFICIAL[1]} {line} ({w.SIGNATURE})", "note"),
    ]


def render_refusal_pdf(content: RefusalContent) -> bytes:
    """The reasoned refusal as a one-page A5 PDF in Kazakh and Russian, ready to sign."""
    c = content
    story: list[Any] = _letterhead(
        c.provider_name_kk,
        c.provider_name_ru,
        c.provider_bin,
        c.provider_address,
        c.provider_phone,
    )
    story += _heading(w.REFUSAL_TITLE, w.SERVICE_NAME, c.number, style="title_long")
    rows = [
        (w.DECIDED_AT, _moment(c.decided_at)),
        (w.FULL_NAME, f"<b>{_esc(c.full_name)}</b>"),
        (w.IIN, c.person_iin),
        (w.BIRTH_DATE, _date(c.birth_date)),
        (w.APPLICATION_NUMBER, _esc(c.application_number)),
        (w.CHANNEL, w.CHANNELS[c.channel]),
        *([(w.ISSUED_BY, _esc(c.issued_by))] if c.issued_by else []),
    ]
    story += [_fields(rows), Spacer(1, 3 * mm)]
    reason = [
        _p(f"<b>{w.REASON[0]} / {w.REASON[1]}</b>", "note"),
        Spacer(1, 1 * mm),
        _p(_esc(c.reason_text_kk), "value"),
        Spacer(1, 1 * mm),
        _p(_esc(c.reason_text_ru), "value"),
        Spacer(1, 2 * mm),
        _p(f"<b>{w.LEGAL_GROUND[0]} / {w.LEGAL_GROUND[1]}:</b> {_esc(c.legal_ground)}", "note"),
    ]
    if c.differing:
        names = [w.DATA_FIELDS.get(name, (name, name)) for name in c.differing]
        kk, ru = ", ".join(n[0] for n in names), ", ".join(n[1] for n in names)
        heading = f"<b>{w.DIFFERING[0]} / {w.DIFFERING[1]}:</b>"
        reason += [Spacer(1, 2 * mm), _p(f"{heading} {_esc(kk)} / {_esc(ru)}", "note")]
    if c.justification:
        heading = f"<b>{w.JUSTIFICATION[0]} / {w.JUSTIFICATION[1]}:</b>"
        text = _esc(c.justification).replace("\n", "<br/>")
        reason += [Spacer(1, 2 * mm), _p(f"{heading} {text}", "note")]
    story += [_boxed(reason), Spacer(1, 3 * mm)]
    story += [_p(w.APPEAL[0], "small"), _p(w.APPEAL[1], "small")]
    if c.code:
        story += [
            Spacer(1, 2 * mm),
            *_verification_block(c.verification_url, c.code, w.VERIFY_REFUSAL)[:3],
        ]
    story += _refusal_signature(c.signed)
    return _render(
        story,
        title=f"{w.REFUSAL_TITLE[1]} {c.number}",
        author=c.provider_name_ru,
        subject=w.SERVICE_NAME[1],
        stamp=stamp_lines(c.provider_name_ru, c.provider_bin, c.decided_at) if c.signed else None,
        qr_text=c.verification_url or None,
    )
