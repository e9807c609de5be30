"""The printable talon and refusal: one A5 page each, in Kazakh and Russian, as official
documents are. The texts here are the document's own wording in both state languages, so they
do not follow the reader's interface language. The page itself is `layout`'s.

Rendering is pure (values in, PDF bytes out); signing with the provider's key is the caller's.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from bekitu.core.fonts import FONT, register_fonts
from bekitu.talons import wording as w
from bekitu.talons.layout import (
    BOTTOM_STRIP,
    INK,
    MARGIN,
    QR_SIDE,
    RULE,
    TOP,
    Boxed,
    Fields,
    Item,
    P,
    Rule,
    Sheet,
    Space,
    draw,
    draw_qr,
    lay_out,
)
from bekitu.talons.xml import TalonContent

# --- The bottom strip: the signature stamp and the QR code ---

# Where the signature's stamp stands: drawn by the document itself in its own font, so it
# speaks Kazakh and Russian; the EDS signature itself is invisible (eds.signing).
STAMP_BOX = (36, 24, 264, 60)  # x, y, width, height in points, bottom left of the page


def stamp_lines(name_ru: str, bin: str, moment: dt.datetime) -> tuple[str, ...]:
    """The signature stamp's text: that the provider signed with its EDS, who, when."""
    return (
        f"<b>{w.STAMP[0]}</b>",
        f"<b>{w.STAMP[1]}</b>",
        f"{_esc(name_ru)}, {w.BIN} {bin}",
        _moment(moment),
    )


def _draw_stamp(canvas: Canvas, lines: tuple[str, ...]) -> None:
    x, y, width, height = STAMP_BOX
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.roundRect(x, y, width, height, 4)
    items: list[Item] = [P(line, "stamp") for line in lines]
    sheet = Sheet(1.0)
    sheet.place(items, width=width - 10)
    if sheet.y > height - 6:  # a very long name: smaller type, inside the frame
        sheet = Sheet((height - 6) / sheet.y)
        sheet.place(items, width=width - 10)
    draw(canvas, sheet.ops, x + 5, y + height - 4)


def _render(
    story: list[Item],
    *,
    title: str,
    author: str,
    subject: str,
    qr_text: str | None = None,
    stamp: tuple[str, ...] | None = None,
) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=A5,
        pageCompression=1,
        initialFontName=FONT,
        initialFontSize=8,
        lang="kk-KZ",
    )
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject(subject)
    canvas.setCreator("Bekitu")
    draw(canvas, lay_out(story).ops, MARGIN, TOP)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN, BOTTOM_STRIP - 1 * mm, A5[0] - MARGIN, BOTTOM_STRIP - 1 * mm)
    if qr_text:
        draw_qr(canvas, qr_text, A5[0] - MARGIN - QR_SIDE, 3.5 * mm, QR_SIDE)
    if stamp:
        _draw_stamp(canvas, stamp)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- The documents ---


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _date(day: dt.date) -> str:
    return f"{day:%d.%m.%Y}"


def _moment(moment: dt.datetime) -> str:
    return f"{_local(moment):%d.%m.%Y %H:%M}"


def _letterhead(
    name_kk: str, name_ru: str, bin: str, address: str, phone: str, hours: str = ""
) -> list[Item]:
    contact = f"{w.BIN}: {bin} · {_esc(address)}"
    if phone:
        contact += f" · {w.PHONE} {_esc(phone)}"
    if hours:
        contact += f" · {w.HOURS[0]} / {w.HOURS[1]} {_esc(hours)}"
    return [
        P(_esc(name_kk), "org"),
        P(_esc(name_ru), "org"),
        Space(1.2 * mm),
        P(contact, "orginfo"),
        Space(1.5 * mm),
        Rule(1.2, after=3 * mm),
    ]


def _heading(
    title: tuple[str, str], subtitle: tuple[str, str], number: str, style: str = "title"
) -> list[Item]:
    return [
        P(title[0], style, fixed=True),
        Space(1),
        P(title[1], style, fixed=True),
        Space(1),
        P(f"{subtitle[0]}<br/>{subtitle[1]}", "subtitle", fixed=True),
        Space(2 * mm),
        P(f"№ {_esc(number)}", "number"),
        Space(2 * mm),
    ]


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
        *([(w.REASON_OF_ATTACHMENT, w.REASONS[c.reason])] if c.reason in w.REASONS else []),
        (w.BASIS, _basis(c.basis, c.basis_address)),
        (w.EFFECTIVE_DATE, f"<b>{_date(c.effective_date)}</b>"),
        (w.HOME_VISITS, w.YES if c.home_visits else w.NO),
        (w.APPLICATION_NUMBER, _esc(c.application_number)),
        (w.CHANNEL, w.CHANNELS[c.channel]),
        *([(w.ISSUED_BY, _esc(c.issued_by))] if c.issued_by else []),
    ]


def _basis(basis: str, address: str) -> str:
    """What the attachment rests on, in both languages, with the address it rests on."""
    text = w.BASES.get(basis, basis)
    return f"{text}: {_esc(address)}" if address else text


def _verification_block(
    url: str, code: str, verify: tuple[str, str] = w.VERIFY, *, signed: bool = True
) -> list[Item]:
    grouped = f"{code[:5]}-{code[5:]}"
    signature: list[Item]
    if signed:
        signature = [P(f"{w.SIGNED_EDS[0]}<br/>{w.SIGNED_EDS[1]}", "small", fixed=True)]
    else:
        # R3.1: a paper talon while the provider's key is unavailable, signed by hand.
        line = "_" * 28
        signature = [
            Boxed([P(w.SIGNATURE_PENDING[0], "note"), P(w.SIGNATURE_PENDING[1], "note")]),
            Space(4 * mm),
            P(f"{w.OFFICIAL[0]} / {w.OFFICIAL[1]} {line} ({w.SIGNATURE})", "note"),
            Space(2 * mm),
            P(w.STAMP_PLACE, "note"),
        ]
    return [
        P(f"<b>{verify[0]}</b><br/>{verify[1]}", "note", fixed=True),
        Space(1 * mm),
        P(f"{_esc(url)}<br/>{w.CODE[0]} / {w.CODE[1]}: <b>{grouped}</b>", "note"),
        Space(2.5 * mm),
        *signature,
    ]


def render_talon_pdf(content: TalonContent) -> bytes:
    """The talon as an unsigned one-page A5 PDF in Kazakh and Russian, with its QR code."""
    c = content
    story = _letterhead(
        c.provider_name_kk,
        c.provider_name_ru,
        c.provider_bin,
        c.provider_address,
        c.provider_phone,
        c.provider_hours,
    )
    story += _heading(w.TALON_TITLE, w.SERVICE_NAME, c.number)
    story += [Fields(_talon_rows(c)), Space(2.5 * mm)]
    if not c.home_visits:
        story += [
            Boxed(
                [
                    P(w.NO_HOME_VISITS[0], "note", fixed=True),
                    P(w.NO_HOME_VISITS[1], "note", fixed=True),
                ]
            ),
            Space(2.5 * mm),
        ]
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
    basis: str = "registered_residence"
    basis_address: str = ""


def _refusal_signature(signed: bool) -> list[Item]:
    if signed:
        return [Space(2 * mm), P(f"{w.SIGNED_EDS[0]}<br/>{w.SIGNED_EDS[1]}", "small", fixed=True)]
    line = "_" * 28
    return [
        Space(4 * mm),
        P(f"{w.OFFICIAL[0]} / {w.OFFICIAL[1]} {line} ({w.SIGNATURE})", "note"),
    ]


def render_refusal_pdf(content: RefusalContent) -> bytes:
    """The reasoned refusal as a one-page A5 PDF in Kazakh and Russian, ready to sign."""
    c = content
    story = _letterhead(
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
        (w.BASIS, _basis(c.basis, c.basis_address)),
        (w.APPLICATION_NUMBER, _esc(c.application_number)),
        (w.CHANNEL, w.CHANNELS[c.channel]),
        *([(w.ISSUED_BY, _esc(c.issued_by))] if c.issued_by else []),
    ]
    story += [Fields(rows), Space(3 * mm)]
    reason: list[P | Space] = [
        P(f"<b>{w.REASON[0]} / {w.REASON[1]}</b>", "note"),
        Space(1 * mm),
        P(_esc(c.reason_text_kk), "value"),
        Space(1 * mm),
        P(_esc(c.reason_text_ru), "value"),
        Space(2 * mm),
        P(f"<b>{w.LEGAL_GROUND[0]} / {w.LEGAL_GROUND[1]}:</b> {_esc(c.legal_ground)}", "note"),
    ]
    if c.differing:
        names = [w.DATA_FIELDS.get(name, (name, name)) for name in c.differing]
        kk, ru = ", ".join(n[0] for n in names), ", ".join(n[1] for n in names)
        heading = f"<b>{w.DIFFERING[0]} / {w.DIFFERING[1]}:</b>"
        reason += [Space(2 * mm), P(f"{heading} {_esc(kk)} / {_esc(ru)}", "note")]
    if c.justification:
        heading = f"<b>{w.JUSTIFICATION[0]} / {w.JUSTIFICATION[1]}:</b>"
        text = _esc(c.justification).replace("\n", "<br/>")
        reason += [Space(2 * mm), P(f"{heading} {text}", "note")]
    story += [Boxed(reason), Space(3 * mm)]
    story += [P(w.APPEAL[0], "small", fixed=True), P(w.APPEAL[1], "small", fixed=True)]
    if c.code:
        story += [
            Space(2 * mm),
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
