"""The printed talon and refusal, rendered without a database or a key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A5

from bekitu.talons import wording
from bekitu.talons.layout import BOTTOM_STRIP
from bekitu.talons.pdf import RefusalContent, render_refusal_pdf, render_talon_pdf
from tests.talons.pdfcheck import pdf_text, qr_texts, render_png
from tests.talons.test_xml import content

KAZAKH_LETTERS = set("әғқңөұүі")


def _words(text: str) -> str:
    # Text extraction may break lines anywhere; compare words only.
    return " ".join(text.split())


def test_talon_is_one_a5_page_with_the_document_metadata() -> None:
    reader = PdfReader(io.BytesIO(render_talon_pdf(content())))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == tuple(round(x) for x in A5)
    assert reader.metadata is not None
    assert (
        reader.metadata.title == "МЕДИЦИНАЛЫҚ ҰЙЫМҒА БЕКІТУ ТУРАЛЫ ТАЛОН T-050340001234-2026-000123"
    )


def test_talon_says_every_field_in_kazakh_and_russian() -> None:
    text = _words(pdf_text(render_talon_pdf(content())))
    for kk, ru in (wording.TALON_TITLE, wording.FULL_NAME, wording.EFFECTIVE_DATE):
        assert kk in text
        assert ru in text
    for value in (
        "T-050340001234-2026-000123",
        "Нұрланова Әсел Серікқызы",
        "900515300123",
        "15.05.1990",
        "050340001234",
        "Өскемен қ., Қазақстан көшесі, 85",
        "+7 7232 25-14-08",
        "№ 12",
        "Қасымова Гүлнар Бекқызы",
        "01.01.2027",
        "26.11.2026 10:15",
        "A-2026-000451",
        "7K3M9-Q2XWD",
    ):
        assert value in text, value
    # The Kazakh letters come out of the PDF as the letters they are, not as look-alikes.
    assert set(text) >= KAZAKH_LETTERS


def test_talon_without_home_visits_says_so_and_why() -> None:
    text = _words(pdf_text(render_talon_pdf(content(home_visits=False))))
    assert "жоқ / нет" in text
    assert _words(wording.NO_HOME_VISITS[0]) in text
    assert _words(wording.NO_HOME_VISITS[1]) in text


def test_talon_with_home_visits_has_no_outside_area_sentence() -> None:
    text = _words(pdf_text(render_talon_pdf(content(home_visits=True))))
    assert "иә / да" in text
    assert _words(wording.NO_HOME_VISITS[1]) not in text


def test_talon_qr_code_decodes_to_the_verification_address(tmp_path: Path) -> None:
    png = render_png(render_talon_pdf(content()), tmp_path)
    assert qr_texts(png) == ["https://bekitu.example.kz/verify/7K3M9Q2XWD"]


def test_very_long_names_still_fit_on_one_page() -> None:
    long = content(
        provider_name_kk="Өте ұзын атауы бар медициналық ұйым " * 6,
        doctor_name="Дәрігер " * 20,
        provider_address="Қазақстан көшесі " * 10,
    )
    assert len(PdfReader(io.BytesIO(render_talon_pdf(long))).pages) == 1


def test_a_word_wider_than_its_column_is_broken_and_printed_whole() -> None:
    address = "Өскемен-" + "Қазақстанкөшесі" * 8 + "-85"
    pdf = render_talon_pdf(content(person_address=address))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert address in "".join(pdf_text(pdf).split())


def refusal(**changes: object) -> RefusalContent:
    """A refusal's values; pass keyword arguments to change some."""
    base = RefusalContent(
        number="R-050340001234-2026-000007",
        decided_at=dt.datetime(2026, 11, 26, 11, 0, tzinfo=ZoneInfo("Asia/Almaty")),
        application_number="A-2026-000452",
        channel="phone",
        person_iin="900515300123",
        full_name="Нұрланова Әсел Серікқызы",
        birth_date=dt.date(1990, 5, 15),
        provider_bin="050340001234",
        provider_name_kk="«№3 қалалық емхана» ШЖҚ МКК",
        provider_name_ru="КГП на ПХВ «Городская поликлиника №3»",
        provider_address="Өскемен қ., Қазақстан көшесі, 85",
        provider_phone="",
        reason_text_kk="Құжаттардағы деректер халықты тіркеу деректеріне сәйкес келмейді.",
        reason_text_ru="Данные в представленных документах не соответствуют данным регистра.",
        legal_ground="Регламент, пункт 4-1",
        signed=True,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_refusal_gives_reason_and_legal_ground_in_both_languages() -> None:
    text = _words(pdf_text(render_refusal_pdf(refusal())))
    for kk, ru in (wording.REFUSAL_TITLE, wording.REASON, wording.LEGAL_GROUND):
        assert kk.replace("<br/>", " ") in text
        assert ru in text
    assert "деректеріне сәйкес келмейді" in text
    assert "не соответствуют данным регистра" in text
    assert "Регламент, пункт 4-1" in text
    assert "R-050340001234-2026-000007" in text


@pytest.mark.parametrize(("signed", "line"), [(True, False), (False, True)])
def test_refusal_has_a_signature_line_only_when_not_signed_electronically(
    signed: bool, line: bool
) -> None:
    text = _words(pdf_text(render_refusal_pdf(refusal(signed=signed))))
    assert (wording.SIGNATURE in text) is line
    assert (_words(wording.SIGNED_EDS[1]) in text) is signed


def test_refusal_names_the_data_that_differ_and_gives_the_justification_whole() -> None:
    why = "Фотосурет ауыстырылған. " * 30 + "\nПаспорт подделан."
    text = _words(
        pdf_text(
            render_refusal_pdf(refusal(differing=("given_name", "birth_date"), justification=why))
        )
    )
    assert wording.DIFFERING[0] in text and wording.DIFFERING[1] in text
    assert "аты, туған күні" in text and "имя, дата рождения" in text
    assert wording.JUSTIFICATION[1] in text and "Паспорт подделан." in text
    assert text.count("Фотосурет ауыстырылған.") == 30


def test_a_justification_too_long_for_the_page_shrinks_only_as_far_as_it_must() -> None:
    why = "Фотосурет ауыстырылған, паспорт жалған. " * 500
    pdf = render_refusal_pdf(refusal(justification=why))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    baselines: list[float] = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: baselines.append(tm[5]))
    body = [y for y in baselines if y > BOTTOM_STRIP]  # the stamp's lines aside
    # All of it on the one page, and its last line near the bottom strip, not high above it.
    assert _words(pdf_text(pdf)).count("паспорт жалған.") == 500
    assert min(body) < BOTTOM_STRIP + 0.1 * (float(page.mediabox.height) - BOTTOM_STRIP)


def test_a_refusal_on_a_check_alone_has_no_justification_line() -> None:
    text = _words(pdf_text(render_refusal_pdf(refusal())))
    assert wording.JUSTIFICATION[1] not in text and wording.DIFFERING[1] not in text
